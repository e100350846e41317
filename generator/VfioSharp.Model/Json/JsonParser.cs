using System;
using System.Globalization;

namespace VfioSharp.Model.Json
{
    /// <summary>
    /// A strict recursive-descent parser for JSON (RFC 8259) into a flat <see cref="JsonTree"/>.
    /// Hand-written because the model library loads inside compiler hosts that have no System.Text.Json.
    /// It allocates the node array and nothing per character: strings and numbers stay in the text
    /// until the reader asks for them. Every syntax error is a <see cref="ModelFormatException"/> with
    /// the line, column and JSON path where it was found.
    /// </summary>
    internal sealed class JsonParser
    {
        /// <summary>
        /// Deepest nesting accepted. A model nests five levels; the limit keeps hostile input from
        /// exhausting the stack of the compiler host the parser runs in.
        /// </summary>
        public const int MaxDepth = 64;

        private readonly string _text;
        private JsonNode[] _nodes;
        private int _count;
        private int _position;

        private JsonParser(string text)
        {
            _text = text;
            // A model spends about 14 characters of text per value: start near that and grow rarely.
            _nodes = new JsonNode[Math.Max(16, text.Length / 12)];
        }

        /// <summary>Parses a whole JSON text holding one value (a leading byte order mark is skipped).</summary>
        public static JsonTree Parse(string text)
        {
            var parser = new JsonParser(text);
            parser.ParseDocument();
            return new JsonTree(text, parser._nodes, parser._count);
        }

        private void ParseDocument()
        {
            if (_text.Length > 0 && _text[0] == '\uFEFF')
            {
                _position = 1;
            }

            SkipWhitespace();
            if (_position == _text.Length)
            {
                throw Error(_position, -1, "the text is empty: expected a JSON value");
            }

            ParseValue(parent: -1, index: 0, nameStart: -1, nameLength: 0, nameHasEscapes: false, depth: 1);
            SkipWhitespace();
            if (_position < _text.Length)
            {
                throw Error(_position, -1, "unexpected " + Describe(_text[_position]) + " after the end of the JSON value");
            }
        }

        private void ParseValue(int parent, int index, int nameStart, int nameLength, bool nameHasEscapes, int depth)
        {
            var node = _count;
            if (node == _nodes.Length)
            {
                Array.Resize(ref _nodes, _nodes.Length * 2);
            }

            _count++;
            ref var value = ref _nodes[node];
            value.Parent = parent;
            value.IndexInParent = index;
            value.NameStart = nameStart;
            value.NameLength = nameLength;
            value.NameHasEscapes = nameHasEscapes;
            value.Start = _position;

            var c = _text[_position];
            switch (c)
            {
                case '{':
                    value.Kind = JsonNodeKind.Object;
                    ParseObject(node, depth);
                    break;
                case '[':
                    value.Kind = JsonNodeKind.Array;
                    ParseArray(node, depth);
                    break;
                case '"':
                    value.Kind = JsonNodeKind.String;
                    value.Length = ParseString(node, out value.HasEscapes);
                    break;
                case 't':
                    value.Kind = JsonNodeKind.True;
                    value.Length = ParseLiteral(node, "true");
                    break;
                case 'f':
                    value.Kind = JsonNodeKind.False;
                    value.Length = ParseLiteral(node, "false");
                    break;
                case 'n':
                    value.Kind = JsonNodeKind.Null;
                    value.Length = ParseLiteral(node, "null");
                    break;
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        value.Kind = JsonNodeKind.Number;
                        value.Length = ParseNumber(node);
                        break;
                    }

                    throw Error(_position, node, "unexpected " + Describe(c) + ": expected a value");
            }

            // The array may have been replaced while the subtree was parsed: index it again.
            _nodes[node].End = _count;
        }

        private void ParseObject(int node, int depth)
        {
            CheckDepth(node, depth);
            _position++;
            SkipWhitespace();
            var count = 0;
            if (Current(node, "a property name or '}'") == '}')
            {
                _position++;
                return;
            }

            while (true)
            {
                if (Current(node, "a property name") != '"')
                {
                    throw Error(_position, node, "unexpected " + Describe(_text[_position]) + ": expected a property name in double quotes");
                }

                var nameStart = _position;
                var nameLength = ParseString(node, out var nameHasEscapes);
                SkipWhitespace();
                if (Current(node, "':'") != ':')
                {
                    throw Error(_position, node, "unexpected " + Describe(_text[_position]) + ": expected ':' after the property name");
                }

                _position++;
                SkipWhitespace();
                Current(node, "a value");
                ParseValue(node, count, nameStart, nameLength, nameHasEscapes, depth + 1);
                count++;
                _nodes[node].Count = count;
                SkipWhitespace();
                var next = Current(node, "',' or '}'");
                _position++;
                if (next == '}')
                {
                    return;
                }

                if (next != ',')
                {
                    throw Error(_position - 1, node, "unexpected " + Describe(next) + ": expected ',' or '}'");
                }

                SkipWhitespace();
            }
        }

        private void ParseArray(int node, int depth)
        {
            CheckDepth(node, depth);
            _position++;
            SkipWhitespace();
            var count = 0;
            if (Current(node, "a value or ']'") == ']')
            {
                _position++;
                return;
            }

            while (true)
            {
                Current(node, "a value");
                ParseValue(node, count, nameStart: -1, nameLength: 0, nameHasEscapes: false, depth + 1);
                count++;
                _nodes[node].Count = count;
                SkipWhitespace();
                var next = Current(node, "',' or ']'");
                _position++;
                if (next == ']')
                {
                    return;
                }

                if (next != ',')
                {
                    throw Error(_position - 1, node, "unexpected " + Describe(next) + ": expected ',' or ']'");
                }

                SkipWhitespace();
            }
        }

        /// <summary>Validates a string token at the current position and returns its length, quotes included.</summary>
        private int ParseString(int node, out bool hasEscapes)
        {
            var start = _position;
            var text = _text;
            var position = start + 1;
            hasEscapes = false;
            while (true)
            {
                if (position >= text.Length)
                {
                    throw Error(start, node, "the string that starts here has no closing quote");
                }

                var c = text[position];
                if (c == '"')
                {
                    _position = position + 1;
                    return _position - start;
                }

                if (c < 0x20)
                {
                    throw Error(position, node, "unescaped control character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " in a string");
                }

                if (c == '\\')
                {
                    hasEscapes = true;
                    if (position + 1 >= text.Length)
                    {
                        throw Error(start, node, "the string that starts here has no closing quote");
                    }

                    var escape = text[position + 1];
                    if (escape == 'u')
                    {
                        for (var i = 2; i < 6; i++)
                        {
                            if (position + i >= text.Length || JsonTree.HexValue(text[position + i]) < 0)
                            {
                                throw Error(position, node, "invalid \\u escape: expected four hexadecimal digits");
                            }
                        }

                        position += 6;
                        continue;
                    }

                    if (escape != '"' && escape != '\\' && escape != '/' && escape != 'b' && escape != 'f' && escape != 'n' && escape != 'r' && escape != 't')
                    {
                        throw Error(position, node, "invalid escape '\\" + escape + "' in a string");
                    }

                    position += 2;
                    continue;
                }

                position++;
            }
        }

        /// <summary>Validates a number token (RFC 8259 grammar) and returns its length.</summary>
        private int ParseNumber(int node)
        {
            var start = _position;
            var position = start;
            if (_text[position] == '-')
            {
                position++;
            }

            if (position < _text.Length && _text[position] == '0')
            {
                position++;
            }
            else
            {
                position = Digits(position, node, "a digit");
            }

            if (position < _text.Length && _text[position] == '.')
            {
                position = Digits(position + 1, node, "a digit after the decimal point");
            }

            if (position < _text.Length && (_text[position] == 'e' || _text[position] == 'E'))
            {
                position++;
                if (position < _text.Length && (_text[position] == '+' || _text[position] == '-'))
                {
                    position++;
                }

                position = Digits(position, node, "a digit in the exponent");
            }

            _position = position;
            return position - start;
        }

        private int Digits(int position, int node, string expected)
        {
            var start = position;
            while (position < _text.Length && _text[position] >= '0' && _text[position] <= '9')
            {
                position++;
            }

            if (position == start)
            {
                throw position < _text.Length
                    ? Error(position, node, "unexpected " + Describe(_text[position]) + " in a number: expected " + expected)
                    : Error(position, node, "unexpected end of the text in a number: expected " + expected);
            }

            return position;
        }

        private int ParseLiteral(int node, string literal)
        {
            if (_position + literal.Length > _text.Length || string.CompareOrdinal(_text, _position, literal, 0, literal.Length) != 0)
            {
                throw Error(_position, node, "invalid literal: expected a value (true, false and null are spelled in lowercase)");
            }

            _position += literal.Length;
            return literal.Length;
        }

        private void CheckDepth(int node, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error(_position, node, "the JSON nests deeper than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels");
            }
        }

        /// <summary>The current character, or the error for a text that ends where <paramref name="expected"/> should be.</summary>
        private char Current(int node, string expected)
        {
            if (_position >= _text.Length)
            {
                throw Error(_position, node, "unexpected end of the text: expected " + expected);
            }

            return _text[_position];
        }

        private void SkipWhitespace()
        {
            var text = _text;
            var position = _position;
            while (position < text.Length)
            {
                var c = text[position];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                {
                    break;
                }

                position++;
            }

            _position = position;
        }

        private ModelFormatException Error(int offset, int node, string problem) =>
            ModelFormatException.At(_text, offset, JsonTree.FormatPath(_text, _nodes, node), problem);

        private static string Describe(char c) =>
            c < 0x20 || c == 0x7f
                ? "character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
                : "'" + c + "'";
    }
}
