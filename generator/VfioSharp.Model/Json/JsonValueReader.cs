using System;

namespace VfioSharp.Model.Json
{
    /// <summary>
    /// Typed access to the values of a <see cref="JsonTree"/>, each failure a <see cref="ModelFormatException"/>
    /// that names the value's path: wrong type, out of range, unknown enum spelling, missing property.
    /// </summary>
    internal sealed class JsonValueReader
    {
        private static readonly char[] FractionOrExponent = { '.', 'e', 'E' };

        public JsonValueReader(JsonTree tree) => Tree = tree;

        public JsonTree Tree { get; }

        /// <summary>
        /// Binds an object's members to <paramref name="names"/>: every name must be present exactly once and
        /// no other may be. A model lists every property (MODEL.md); an unknown one means a schema this
        /// reader does not know, and ignoring it would silently drop part of the model.
        /// </summary>
        public JsonMembers Members(int node, string[] names)
        {
            Expect(node, JsonNodeKind.Object);
            var slots = new int[names.Length];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = -1;
            }

            var count = Tree[node].Count;
            var member = node + 1;
            for (var m = 0; m < count; m++, member = Tree[member].End)
            {
                // The writer writes properties in the order of the shape: try that place first.
                var slot = m < names.Length && Tree.NameEquals(member, names[m]) ? m : IndexOfName(member, names);
                if (slot < 0)
                {
                    throw Error(member, Tree[member].NameStart, "unknown property '" + Tree.NameOf(member) + "'");
                }

                if (slots[slot] >= 0)
                {
                    throw Error(member, Tree[member].NameStart, "property '" + names[slot] + "' appears twice");
                }

                slots[slot] = member;
            }

            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i] < 0)
                {
                    throw MissingProperty(node, names[i]);
                }
            }

            return new JsonMembers(this, names, slots);
        }

        /// <summary>The member named <paramref name="name"/> of an object node, or -1.</summary>
        public int FindMember(int node, string name)
        {
            var count = Tree[node].Count;
            var member = node + 1;
            for (var m = 0; m < count; m++, member = Tree[member].End)
            {
                if (Tree.NameEquals(member, name))
                {
                    return member;
                }
            }

            return -1;
        }

        /// <summary>The error for a property an object should have.</summary>
        public ModelFormatException MissingProperty(int objectNode, string name) =>
            ModelFormatException.At(Tree.Text, Tree[objectNode].Start, Tree.PathOf(objectNode) + JsonTree.MemberSegment(name), "missing property '" + name + "'");

        /// <summary>Reads every element of an array node into an array of exactly its length.</summary>
        public T[] Array<T>(int node, Func<int, T> read)
        {
            Expect(node, JsonNodeKind.Array);
            var result = new T[Tree[node].Count];
            var element = node + 1;
            for (var i = 0; i < result.Length; i++, element = Tree[element].End)
            {
                result[i] = read(element);
            }

            return result;
        }

        public string String(int node)
        {
            Expect(node, JsonNodeKind.String);
            return Tree.StringValue(node);
        }

        public string? NullableString(int node) => Tree[node].Kind == JsonNodeKind.Null ? null : String(node);

        public bool Boolean(int node)
        {
            var kind = Tree[node].Kind;
            if (kind == JsonNodeKind.True)
            {
                return true;
            }

            if (kind == JsonNodeKind.False)
            {
                return false;
            }

            throw WrongType(node, "true or false");
        }

        public long Int64(int node)
        {
            var (negative, magnitude) = Integer(node);
            if (negative ? magnitude > 1UL + long.MaxValue : magnitude > long.MaxValue)
            {
                throw OutOfRange(node, "a signed 64-bit integer");
            }

            return negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
        }

        public ulong UInt64(int node)
        {
            var (negative, magnitude) = Integer(node);
            if (negative && magnitude != 0)
            {
                throw OutOfRange(node, "an unsigned 64-bit integer");
            }

            return magnitude;
        }

        public int Int32(int node)
        {
            var (negative, magnitude) = Integer(node);
            if (negative ? magnitude > 1UL + int.MaxValue : magnitude > int.MaxValue)
            {
                throw OutOfRange(node, "a 32-bit integer");
            }

            return negative ? unchecked((int)(0L - (long)magnitude)) : (int)magnitude;
        }

        public long? NullableInt64(int node) => Tree[node].Kind == JsonNodeKind.Null ? null : Int64(node);

        public int? NullableInt32(int node) => Tree[node].Kind == JsonNodeKind.Null ? null : Int32(node);

        public TEnum Enum<TEnum>(int node)
            where TEnum : struct, Enum
        {
            Expect(node, JsonNodeKind.String);
            var spellings = EnumSpellings<TEnum>.Names;
            for (var i = 0; i < spellings.Length; i++)
            {
                if (Tree.StringEquals(node, spellings[i]))
                {
                    return EnumSpellings<TEnum>.Values[i];
                }
            }

            var property = Tree[node].NameStart >= 0 ? Tree.NameOf(node) : typeof(TEnum).Name;
            throw Error(node, Tree[node].Start, "unknown " + property + " '" + Tree.StringValue(node) + "': expected one of " + string.Join(", ", spellings));
        }

        public TEnum? NullableEnum<TEnum>(int node)
            where TEnum : struct, Enum => Tree[node].Kind == JsonNodeKind.Null ? null : Enum<TEnum>(node);

        public SourceLocation Location(int node) => SourceLocation.Parse(String(node));

        /// <summary>The error for a value that is not what its property should hold.</summary>
        public ModelFormatException Error(int node, string problem) => Error(node, Tree[node].Start, problem);

        private ModelFormatException Error(int node, int offset, string problem) =>
            ModelFormatException.At(Tree.Text, offset, Tree.PathOf(node), problem);

        private (bool Negative, ulong Magnitude) Integer(int node)
        {
            Expect(node, JsonNodeKind.Number);
            if (!Tree.TryReadInteger(node, out var negative, out var magnitude))
            {
                var token = Tree.TokenText(node);
                throw token.IndexOfAny(FractionOrExponent) >= 0
                    ? Error(node, "expected an integer, found " + token)
                    : OutOfRange(node, "a 64-bit integer");
            }

            return (negative, magnitude);
        }

        private void Expect(int node, JsonNodeKind kind)
        {
            if (Tree[node].Kind != kind)
            {
                throw WrongType(node, Describe(kind));
            }
        }

        private ModelFormatException WrongType(int node, string expected) =>
            Error(node, "expected " + expected + ", found " + Describe(Tree[node].Kind));

        private ModelFormatException OutOfRange(int node, string range) =>
            Error(node, Tree.TokenText(node) + " is out of range for " + range);

        private int IndexOfName(int member, string[] names)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (Tree.NameEquals(member, names[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        public static string Describe(JsonNodeKind kind) => kind switch
        {
            JsonNodeKind.Object => "an object",
            JsonNodeKind.Array => "an array",
            JsonNodeKind.String => "a string",
            JsonNodeKind.Number => "a number",
            JsonNodeKind.True => "true",
            JsonNodeKind.False => "false",
            _ => "null",
        };

        /// <summary>The JSON spellings of an enum's members, as <see cref="ModelJsonWriter"/> writes them.</summary>
        private static class EnumSpellings<TEnum>
            where TEnum : struct, Enum
        {
            public static readonly TEnum[] Values = (TEnum[])System.Enum.GetValues(typeof(TEnum));

            public static readonly string[] Names = Spell(Values);

            private static string[] Spell(TEnum[] values)
            {
                var names = new string[values.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    names[i] = ModelJsonWriter.Camel(values[i]);
                }

                return names;
            }
        }
    }
}
