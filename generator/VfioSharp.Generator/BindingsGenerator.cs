using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using VfioSharp.Emitter;
using VfioSharp.Emitter.Output;
using VfioSharp.Model.Json;

namespace VfioSharp.Generator
{
    /// <summary>
    /// Generates C# bindings from uapi models. A model reaches the generator as an AdditionalFile with the
    /// metadata <c>VfioSharpNamespace</c> (and optionally <c>VfioSharpPublic</c>, <c>VfioSharpHeaderRoot</c>);
    /// the package's MSBuild targets add them for <c>UapiHeader</c> and <c>UapiModel</c> items.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class BindingsGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking name of the step that picks model files and their options.</summary>
        public const string ModelInputStep = "VfioSharpModelInput";

        /// <summary>Tracking name of the step that reads a model and emits its bindings.</summary>
        public const string BindingsStep = "VfioSharpBindings";

        private const string MetadataPrefix = "build_metadata.AdditionalFiles.";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var inputs = context.AdditionalTextsProvider
                .Combine(context.AnalyzerConfigOptionsProvider)
                .Select(static (pair, cancellationToken) =>
                {
                    var options = pair.Right.GetOptions(pair.Left);
                    if (!options.TryGetValue(MetadataPrefix + "VfioSharpNamespace", out var ns) || string.IsNullOrWhiteSpace(ns))
                    {
                        return null;
                    }

                    options.TryGetValue(MetadataPrefix + "VfioSharpPublic", out var isPublic);
                    options.TryGetValue(MetadataPrefix + "VfioSharpHeaderRoot", out var headerRoot);
                    var text = pair.Left.GetText(cancellationToken)?.ToString();
                    return new ModelInput(pair.Left.Path, text, ns.Trim(), string.Equals(isPublic, "true", StringComparison.OrdinalIgnoreCase), string.IsNullOrWhiteSpace(headerRoot) ? null : headerRoot);
                })
                .Where(static input => input is not null)
                .WithTrackingName(ModelInputStep);

            var outputs = inputs
                .Select(static (input, cancellationToken) => Generate(input!))
                .WithTrackingName(BindingsStep);

            context.RegisterSourceOutput(outputs, static (context, output) =>
            {
                foreach (var (hintName, text) in output.Sources)
                {
                    context.AddSource(hintName, SourceText.From(text, System.Text.Encoding.UTF8));
                }

                foreach (var diagnostic in output.Diagnostics)
                {
                    context.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.For(diagnostic.Id), ToLocation(diagnostic), diagnostic.Message));
                }
            });
        }

        /// <summary>Reads and emits one model; never throws into the compiler.</summary>
        internal static GenerationOutput Generate(ModelInput input)
        {
            var sources = new List<(string, string)>();
            var diagnostics = new List<DiagnosticInfo>();
            if (!IsValidNamespace(input.Namespace!))
            {
                diagnostics.Add(new DiagnosticInfo(EmitDiagnosticIds.InvalidOptions, true, input.Path, 0,
                    input.Path + ": VfioSharpNamespace '" + input.Namespace + "' is not a valid C# namespace"));
                return new GenerationOutput(sources, diagnostics);
            }

            if (input.Text is null)
            {
                diagnostics.Add(new DiagnosticInfo(EmitDiagnosticIds.UnreadableModel, true, input.Path, 0, input.Path + ": the model file can't be read"));
                return new GenerationOutput(sources, diagnostics);
            }

            try
            {
                var model = ModelJsonReader.Read(input.Text);
                var result = BindingsEmitter.Emit(model, new EmitOptions(input.Namespace!, input.IsPublic));
                sources.AddRange(result.Files.Select(f => (f.HintName, f.Text)));
                foreach (var diagnostic in result.Diagnostics)
                {
                    var path = input.HeaderRoot is null ? null : System.IO.Path.Combine(input.HeaderRoot, diagnostic.Location.File);
                    diagnostics.Add(new DiagnosticInfo(diagnostic.Id, diagnostic.IsError, path, diagnostic.Location.Line, diagnostic.Location + ": " + diagnostic.Message));
                }
            }
            catch (ModelFormatException exception)
            {
                diagnostics.Add(new DiagnosticInfo(EmitDiagnosticIds.UnreadableModel, true, input.Path, exception.Line, input.Path + ": " + exception.Message));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A bug of ours must not take the compiler down: it becomes a diagnostic on the model.
                diagnostics.Add(new DiagnosticInfo(EmitDiagnosticIds.UnreadableModel, true, input.Path, 0,
                    input.Path + ": the bindings could not be generated: " + exception.GetType().Name + ": " + exception.Message));
            }

            return new GenerationOutput(sources, diagnostics);
        }

        private static bool IsValidNamespace(string name) =>
            name.Split('.').All(part => part.Length > 0 && (char.IsLetter(part[0]) || part[0] == '_') && part.All(c => char.IsLetterOrDigit(c) || c == '_'));

        private static Location ToLocation(DiagnosticInfo diagnostic)
        {
            if (diagnostic.FilePath is null)
            {
                return Location.None;
            }

            var line = Math.Max(0, diagnostic.Line - 1);
            return Location.Create(diagnostic.FilePath, default, new LinePositionSpan(new LinePosition(line, 0), new LinePosition(line, 0)));
        }
    }
}
