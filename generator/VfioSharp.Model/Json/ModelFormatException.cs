using System;
using System.Globalization;

namespace VfioSharp.Model.Json
{
    /// <summary>
    /// A model file that is not a model this library reads: malformed JSON, a missing or unknown property,
    /// a value of the wrong type or out of range, an unknown enum spelling, another schema or schema
    /// version. Says where: the line and column in the JSON text and the JSON path of the value.
    /// </summary>
    public sealed class ModelFormatException : Exception
    {
        /// <summary>Creates the exception for a problem at a place of the text.</summary>
        /// <param name="problem">What is wrong, without the place (<c>expected a number, found a string</c>).</param>
        /// <param name="line">1-based line of the offending text.</param>
        /// <param name="column">1-based column (in UTF-16 code units) of the offending text.</param>
        /// <param name="jsonPath">The JSON path of the offending value (<c>$.records[12].fields[3].offset</c>).</param>
        public ModelFormatException(string problem, int line, int column, string jsonPath)
            : base(Format(problem, line, column, jsonPath))
        {
            Problem = problem;
            Line = line;
            Column = column;
            JsonPath = jsonPath;
        }

        /// <summary>What is wrong, without the place.</summary>
        public string Problem { get; }

        /// <summary>1-based line of the offending text.</summary>
        public int Line { get; }

        /// <summary>1-based column of the offending text, in UTF-16 code units.</summary>
        public int Column { get; }

        /// <summary>
        /// The JSON path of the offending value: <c>$</c> is the document, <c>.name</c> a property,
        /// <c>[i]</c> an array element. For a missing property, the path it should have had.
        /// </summary>
        public string JsonPath { get; }

        /// <summary>The exception for a problem at character <paramref name="offset"/> of <paramref name="text"/>.</summary>
        internal static ModelFormatException At(string text, int offset, string jsonPath, string problem)
        {
            // Lines are only counted when something is wrong: the reader's fast path never tracks them.
            var line = 1;
            var lineStart = 0;
            var end = Math.Min(offset, text.Length);
            for (var i = 0; i < end; i++)
            {
                if (text[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            return new ModelFormatException(problem, line, offset - lineStart + 1, jsonPath);
        }

        private static string Format(string problem, int line, int column, string jsonPath) =>
            string.Format(CultureInfo.InvariantCulture, "line {0}, column {1} ({2}): {3}", line, column, jsonPath, problem);
    }
}
