using System.Linq;
using VfioSharp.Emitter.Output;
using VfioSharp.Model;

namespace VfioSharp.Emitter.Docs
{
    /// <summary>Kerneldoc text as XML doc comments, so that the IDE shows the kernel's documentation.</summary>
    internal static class DocComment
    {
        public static void Write(CodeWriter code, string? doc, string cDeclaration, SourceLocation location)
        {
            code.Line("/// <summary>");
            if (!string.IsNullOrWhiteSpace(doc))
            {
                foreach (var line in doc!.Split('\n'))
                {
                    code.Line(("/// " + Escape(line.TrimEnd())).TrimEnd());
                }
            }
            else
            {
                code.Line("/// " + Escape(cDeclaration) + " (no kerneldoc).");
            }

            code.Line("/// </summary>");
            code.Line("/// <remarks>C: <c>" + Escape(cDeclaration) + "</c>, " + Escape(location.ToString()) + ".</remarks>");
        }

        public static string Escape(string text) =>
            new string(text.Where(c => c >= ' ' || c == '\t').ToArray())
                .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }
}
