using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace VfioSharp.Model.Json
{
    /// <summary>
    /// A minimal, deterministic JSON writer: two-space indent, LF, properties in the order written.
    /// Hand-written because the model library must load in compiler hosts that have no System.Text.Json.
    /// </summary>
    internal sealed class JsonEmitter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private readonly Stack<bool> _hasItems = new Stack<bool>();
        private bool _afterName;

        public override string ToString() => _text.ToString();

        public JsonEmitter BeginObject() => Open('{');

        public JsonEmitter EndObject() => Close('}');

        public JsonEmitter BeginArray() => Open('[');

        public JsonEmitter EndArray() => Close(']');

        public JsonEmitter Name(string name)
        {
            BeginValue();
            AppendString(name);
            _text.Append(": ");
            _afterName = true;
            return this;
        }

        public JsonEmitter String(string? value)
        {
            BeginValue();
            if (value is null)
            {
                _text.Append("null");
            }
            else
            {
                AppendString(value);
            }

            return this;
        }

        public JsonEmitter Number(long value)
        {
            BeginValue();
            _text.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        public JsonEmitter Number(ulong value)
        {
            BeginValue();
            _text.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        public JsonEmitter NullableNumber(long? value) => value.HasValue ? Number(value.Value) : Null();

        public JsonEmitter Boolean(bool value)
        {
            BeginValue();
            _text.Append(value ? "true" : "false");
            return this;
        }

        public JsonEmitter Null()
        {
            BeginValue();
            _text.Append("null");
            return this;
        }

        public JsonEmitter Property(string name, string? value) => Name(name).String(value);

        public JsonEmitter Property(string name, long value) => Name(name).Number(value);

        public JsonEmitter Property(string name, bool value) => Name(name).Boolean(value);

        private JsonEmitter Open(char bracket)
        {
            BeginValue();
            _text.Append(bracket);
            _hasItems.Push(false);
            return this;
        }

        private JsonEmitter Close(char bracket)
        {
            var hadItems = _hasItems.Pop();
            if (hadItems)
            {
                NewLine();
            }

            _text.Append(bracket);
            if (_hasItems.Count == 0)
            {
                _text.Append('\n');
            }

            return this;
        }

        private void BeginValue()
        {
            if (_afterName)
            {
                _afterName = false;
                return;
            }

            if (_hasItems.Count == 0)
            {
                return;
            }

            if (_hasItems.Pop())
            {
                _text.Append(',');
            }

            _hasItems.Push(true);
            NewLine();
        }

        private void NewLine()
        {
            _text.Append('\n');
            _text.Append(' ', _hasItems.Count * 2);
        }

        private void AppendString(string value)
        {
            _text.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': _text.Append("\\\""); break;
                    case '\\': _text.Append("\\\\"); break;
                    case '\n': _text.Append("\\n"); break;
                    case '\r': _text.Append("\\r"); break;
                    case '\t': _text.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == 0x7f)
                        {
                            _text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            _text.Append(c);
                        }

                        break;
                }
            }

            _text.Append('"');
        }
    }
}
