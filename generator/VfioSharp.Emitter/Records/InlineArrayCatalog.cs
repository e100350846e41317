using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VfioSharp.Emitter.Output;

namespace VfioSharp.Emitter.Records
{
    /// <summary>
    /// The <c>[InlineArray]</c> types that fixed-size C arrays need, one per element type and length,
    /// named <c>{element}_{d1}x{d2}...</c> in C's order (<c>__u32 m[3][5]</c> → <c>uint_3x5</c>, an
    /// inline array of 3 <c>uint_5</c>).
    /// </summary>
    internal sealed class InlineArrayCatalog
    {
        private readonly SortedDictionary<string, (string Element, long Length)> _types = new SortedDictionary<string, (string, long)>(System.StringComparer.Ordinal);

        /// <summary>The type of an array of <paramref name="element"/> with C dimensions <paramref name="dimensions"/>.</summary>
        public string ArrayOf(string element, IReadOnlyList<long> dimensions)
        {
            var type = element;
            for (var i = dimensions.Count - 1; i >= 0; i--)
            {
                var inner = type;
                var suffix = string.Join("x", dimensions.Skip(i).Select(d => d.ToString(CultureInfo.InvariantCulture)));
                type = Simple(element) + "_" + suffix;
                _types[type] = (inner, dimensions[i]);
            }

            return type;
        }

        public void Write(CodeWriter code, string accessibility)
        {
            foreach (var pair in _types)
            {
                code.Line("/// <summary>A C array of " + pair.Value.Length.ToString(CultureInfo.InvariantCulture) + " <see cref=\"" + pair.Value.Element.Replace("global::", string.Empty) + "\"/>: index it, or take it as a span.</summary>");
                code.Line("[global::System.Runtime.CompilerServices.InlineArray(" + pair.Value.Length.ToString(CultureInfo.InvariantCulture) + ")]");
                code.Open(accessibility + " struct " + pair.Key);
                code.Line("private " + pair.Value.Element + " _element0;");
                code.Close();
                code.Line();
            }
        }

        private static string Simple(string element) =>
            element.Replace("global::", string.Empty).Replace("System.", string.Empty).Replace('.', '_').TrimStart('@');
    }
}
