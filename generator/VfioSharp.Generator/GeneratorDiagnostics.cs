using Microsoft.CodeAnalysis;
using VfioSharp.Emitter.Output;

namespace VfioSharp.Generator
{
    /// <summary>The generator's diagnostics, declared once, with stable IDs.</summary>
    internal static class GeneratorDiagnostics
    {
        private const string Category = "VfioSharp.Generator";
        private const string HelpLink = "https://github.com/vfiosharp/vfiosharp/blob/main/generator/GENERATED.md#diagnostics";

        public static readonly DiagnosticDescriptor UnreadableModel = new DiagnosticDescriptor(
            EmitDiagnosticIds.UnreadableModel, "A uapi model can't be read", "{0}", Category, DiagnosticSeverity.Error, true, helpLinkUri: HelpLink);

        public static readonly DiagnosticDescriptor Unexpressible = new DiagnosticDescriptor(
            EmitDiagnosticIds.Unexpressible, "A uapi construct can't be expressed in C#", "{0}", Category, DiagnosticSeverity.Warning, true, helpLinkUri: HelpLink);

        public static readonly DiagnosticDescriptor NameCollision = new DiagnosticDescriptor(
            EmitDiagnosticIds.NameCollision, "Generated names collide", "{0}", Category, DiagnosticSeverity.Warning, true, helpLinkUri: HelpLink);

        public static readonly DiagnosticDescriptor UntypedIoctl = new DiagnosticDescriptor(
            EmitDiagnosticIds.UntypedIoctl, "An ioctl has no typed call", "{0}", Category, DiagnosticSeverity.Warning, true, helpLinkUri: HelpLink);

        public static readonly DiagnosticDescriptor InvalidOptions = new DiagnosticDescriptor(
            EmitDiagnosticIds.InvalidOptions, "The generator's options are invalid", "{0}", Category, DiagnosticSeverity.Error, true, helpLinkUri: HelpLink);

        public static DiagnosticDescriptor For(string id) => id switch
        {
            EmitDiagnosticIds.UnreadableModel => UnreadableModel,
            EmitDiagnosticIds.NameCollision => NameCollision,
            EmitDiagnosticIds.UntypedIoctl => UntypedIoctl,
            EmitDiagnosticIds.InvalidOptions => InvalidOptions,
            _ => Unexpressible,
        };
    }
}
