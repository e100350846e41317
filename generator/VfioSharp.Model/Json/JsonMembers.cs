using System;

namespace VfioSharp.Model.Json
{
    /// <summary>The members of one JSON object, bound by name (see <see cref="JsonValueReader.Members"/>).</summary>
    internal readonly struct JsonMembers
    {
        private readonly JsonValueReader _reader;
        private readonly string[] _names;
        private readonly int[] _slots;

        public JsonMembers(JsonValueReader reader, string[] names, int[] slots)
        {
            _reader = reader;
            _names = names;
            _slots = slots;
        }

        /// <summary>The node of property <paramref name="name"/> (one of the names the object was bound to).</summary>
        public int this[string name]
        {
            get
            {
                // The names are the reader's own string literals: reference equality finds them first.
                for (var i = 0; i < _names.Length; i++)
                {
                    if (ReferenceEquals(_names[i], name))
                    {
                        return _slots[i];
                    }
                }

                for (var i = 0; i < _names.Length; i++)
                {
                    if (string.Equals(_names[i], name, StringComparison.Ordinal))
                    {
                        return _slots[i];
                    }
                }

                throw new ArgumentException("'" + name + "' is not a property of this object's shape", nameof(name));
            }
        }

        public string String(string name) => _reader.String(this[name]);

        public string? NullableString(string name) => _reader.NullableString(this[name]);

        public bool Boolean(string name) => _reader.Boolean(this[name]);

        public long Int64(string name) => _reader.Int64(this[name]);

        public int Int32(string name) => _reader.Int32(this[name]);

        public ulong UInt64(string name) => _reader.UInt64(this[name]);

        public long? NullableInt64(string name) => _reader.NullableInt64(this[name]);

        public int? NullableInt32(string name) => _reader.NullableInt32(this[name]);

        public TEnum Enum<TEnum>(string name)
            where TEnum : struct, Enum => _reader.Enum<TEnum>(this[name]);

        public TEnum? NullableEnum<TEnum>(string name)
            where TEnum : struct, Enum => _reader.NullableEnum<TEnum>(this[name]);

        public SourceLocation Location(string name) => _reader.Location(this[name]);

        public T[] Array<T>(string name, Func<int, T> read) => _reader.Array(this[name], read);

        public string[] Strings(string name) => _reader.Array(this[name], _reader.String);
    }
}
