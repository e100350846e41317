using System.Globalization;
using System.Text;

namespace VfioSharp.Model.Json
{
    /// <summary>The kind of a JSON value.</summary>
    internal enum JsonNodeKind : byte
    {
        Object,
        Array,
        String,
        Number,
        True,
        False,
        Null,
    }

    /// <summary>
    /// One JSON value of a <see cref="JsonTree"/>. Values are stored flat in document order: a container
    /// is followed by its members' subtrees, so the first member of node <c>i</c> is <c>i + 1</c> and the
    /// next sibling of a member is its <see cref="End"/>. Strings and numbers are not copied out of the
    /// text: they are read on demand from <see cref="Start"/>/<see cref="Length"/>.
    /// </summary>
    internal struct JsonNode
    {
        public JsonNodeKind Kind;

        /// <summary>A string value with backslash escapes: it must be decoded, not cut out of the text.</summary>
        public bool HasEscapes;

        /// <summary>The member's name has backslash escapes.</summary>
        public bool NameHasEscapes;

        /// <summary>Offset of the value's first character (the quote of a string, the bracket of a container).</summary>
        public int Start;

        /// <summary>Length of a string (quotes included), number or literal token; 0 for containers.</summary>
        public int Length;

        /// <summary>The container holding this value, or -1 for the document's value.</summary>
        public int Parent;

        /// <summary>Position among the parent's members or elements.</summary>
        public int IndexInParent;

        /// <summary>For an object member: offset of its name's opening quote; otherwise -1.</summary>
        public int NameStart;

        /// <summary>For an object member: length of its name token, quotes included.</summary>
        public int NameLength;

        /// <summary>Index of the first node after this value's subtree.</summary>
        public int End;

        /// <summary>For a container: how many members or elements it has.</summary>
        public int Count;
    }

    /// <summary>A parsed, syntactically valid JSON text: the text and its values (see <see cref="JsonNode"/>).</summary>
    internal sealed class JsonTree
    {
        private readonly JsonNode[] _nodes;
        private readonly StringBuilder _decoded = new StringBuilder();

        public JsonTree(string text, JsonNode[] nodes, int count)
        {
            Text = text;
            _nodes = nodes;
            Count = count;
        }

        public string Text { get; }

        public int Count { get; }

        public ref readonly JsonNode this[int index] => ref _nodes[index];

        /// <summary>The JSON path of a value, e.g. <c>$.records[12].fields[3].offset</c>.</summary>
        public string PathOf(int node) => FormatPath(Text, _nodes, node);

        /// <summary>The value of a string node.</summary>
        public string StringValue(int node)
        {
            ref readonly var value = ref _nodes[node];
            return Decode(value.Start, value.Length, value.HasEscapes);
        }

        /// <summary>The name of an object member.</summary>
        public string NameOf(int node)
        {
            ref readonly var value = ref _nodes[node];
            return Decode(value.NameStart, value.NameLength, value.NameHasEscapes);
        }

        /// <summary>Whether a string node's value is <paramref name="candidate"/>, without materializing it.</summary>
        public bool StringEquals(int node, string candidate)
        {
            ref readonly var value = ref _nodes[node];
            return TokenEquals(value.Start, value.Length, value.HasEscapes, candidate);
        }

        /// <summary>Whether an object member's name is <paramref name="candidate"/>, without materializing it.</summary>
        public bool NameEquals(int node, string candidate)
        {
            ref readonly var value = ref _nodes[node];
            return TokenEquals(value.NameStart, value.NameLength, value.NameHasEscapes, candidate);
        }

        /// <summary>
        /// Reads an integer number node as sign and magnitude, so that the whole range of both
        /// <see cref="long"/> and <see cref="ulong"/> is exact. False for a fraction, an exponent, or a
        /// magnitude beyond <see cref="ulong.MaxValue"/>.
        /// </summary>
        public bool TryReadInteger(int node, out bool negative, out ulong magnitude)
        {
            ref readonly var value = ref _nodes[node];
            var text = Text;
            var position = value.Start;
            var end = value.Start + value.Length;
            negative = text[position] == '-';
            if (negative)
            {
                position++;
            }

            magnitude = 0;
            for (; position < end; position++)
            {
                var digit = text[position] - '0';
                if (digit < 0 || digit > 9)
                {
                    return false;
                }

                if (magnitude > (ulong.MaxValue - (ulong)digit) / 10)
                {
                    return false;
                }

                magnitude = (magnitude * 10) + (ulong)digit;
            }

            return true;
        }

        /// <summary>The number token as written, for messages.</summary>
        public string TokenText(int node)
        {
            ref readonly var value = ref _nodes[node];
            return Text.Substring(value.Start, value.Length);
        }

        /// <summary>The JSON path of <paramref name="node"/> in a (possibly partial) node array.</summary>
        internal static string FormatPath(string text, JsonNode[] nodes, int node)
        {
            if (node < 0)
            {
                return "$";
            }

            var segments = new System.Collections.Generic.List<string>();
            for (var current = node; nodes[current].Parent >= 0; current = nodes[current].Parent)
            {
                ref readonly var value = ref nodes[current];
                if (nodes[value.Parent].Kind == JsonNodeKind.Array)
                {
                    segments.Add("[" + value.IndexInParent.ToString(CultureInfo.InvariantCulture) + "]");
                }
                else
                {
                    segments.Add(MemberSegment(DecodeToken(text, value.NameStart, value.NameLength, value.NameHasEscapes, new StringBuilder())));
                }
            }

            var path = new StringBuilder("$");
            for (var i = segments.Count - 1; i >= 0; i--)
            {
                path.Append(segments[i]);
            }

            return path.ToString();
        }

        /// <summary><c>.name</c> for a name that reads as an identifier, <c>['name']</c> otherwise.</summary>
        internal static string MemberSegment(string name)
        {
            var identifier = name.Length > 0 && !char.IsDigit(name[0]);
            foreach (var c in name)
            {
                identifier &= c == '_' || (c < 128 && char.IsLetterOrDigit(c));
            }

            return identifier ? "." + name : "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";
        }

        private string Decode(int start, int length, bool hasEscapes) => DecodeToken(Text, start, length, hasEscapes, _decoded);

        private bool TokenEquals(int start, int length, bool hasEscapes, string candidate)
        {
            if (hasEscapes)
            {
                return Decode(start, length, hasEscapes: true) == candidate;
            }

            return length - 2 == candidate.Length && string.CompareOrdinal(Text, start + 1, candidate, 0, candidate.Length) == 0;
        }

        /// <summary>The value of a string token (quotes included) that the parser has validated.</summary>
        private static string DecodeToken(string text, int start, int length, bool hasEscapes, StringBuilder buffer)
        {
            if (!hasEscapes)
            {
                return text.Substring(start + 1, length - 2);
            }

            buffer.Clear();
            var end = start + length - 1;
            var runStart = start + 1;
            for (var i = start + 1; i < end; i++)
            {
                if (text[i] != '\\')
                {
                    continue;
                }

                buffer.Append(text, runStart, i - runStart);
                var escape = text[++i];
                switch (escape)
                {
                    case 'b': buffer.Append('\b'); break;
                    case 'f': buffer.Append('\f'); break;
                    case 'n': buffer.Append('\n'); break;
                    case 'r': buffer.Append('\r'); break;
                    case 't': buffer.Append('\t'); break;
                    case 'u':
                        buffer.Append((char)((HexValue(text[i + 1]) << 12) | (HexValue(text[i + 2]) << 8) | (HexValue(text[i + 3]) << 4) | HexValue(text[i + 4])));
                        i += 4;
                        break;
                    default: buffer.Append(escape); break; // '"', '\\' and '/' stand for themselves.
                }

                runStart = i + 1;
            }

            buffer.Append(text, runStart, end - runStart);
            return buffer.ToString();
        }

        internal static int HexValue(char c) =>
            c >= '0' && c <= '9' ? c - '0' :
            c >= 'a' && c <= 'f' ? c - 'a' + 10 :
            c >= 'A' && c <= 'F' ? c - 'A' + 10 :
            -1;
    }
}
