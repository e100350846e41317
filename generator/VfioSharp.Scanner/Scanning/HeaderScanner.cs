using VfioSharp.Model;
using VfioSharp.Model.HeaderSets;
using VfioSharp.Model.Macros;
using VfioSharp.Model.Reports;
using VfioSharp.Scanner.Clang;
using VfioSharp.Scanner.Enums;
using VfioSharp.Scanner.Ioctls;
using VfioSharp.Scanner.KernelDoc;
using VfioSharp.Scanner.Macros;
using VfioSharp.Scanner.Records;

namespace VfioSharp.Scanner.Scanning;

/// <summary>Scans a set of uapi headers with libclang into a <see cref="UapiModel"/>.</summary>
public static class HeaderScanner
{
    /// <summary>
    /// Scans <paramref name="request"/>. Throws <see cref="ScanException"/>, naming header:line, when a header
    /// is missing or broken, reads a file outside the root, or uses a construct the model can't express;
    /// with <see cref="ScanRequest.Strict"/>, also when an ioctl's argument can't be determined.
    /// </summary>
    public static UapiModel Scan(ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tree = HeaderTree.Open(request);
        var arguments = CompilerArguments.For(tree);
        var docs = new Dictionary<string, KernelDocIndex>(StringComparer.Ordinal);
        KernelDocIndex Docs(string file)
        {
            if (!docs.TryGetValue(file, out var index))
            {
                index = KernelDocIndex.Parse(tree.Lines(file));
                docs[file] = index;
            }

            return index;
        }

        using var unit = ClangTranslationUnit.Parse(Path.Combine(tree.Root, ".vfiosharp-scan.c"), CompilerArguments.Includes(tree), arguments);

        // A parse with errors still "succeeds" and yields garbage layouts: any error stops the scan.
        var errors = unit.Diagnostics()
            .Where(d => d.IsError)
            .Select(d => new ScanReport(ScanCodes.CompileError, ReportSeverity.Error, tree.Locate(d.File, d.Line), d.Message))
            .ToList();
        if (errors.Count > 0)
        {
            throw new ScanException(errors);
        }

        var inputs = new List<string>();
        foreach (var file in unit.IncludedFiles())
        {
            var relative = tree.Relative(file);
            if (relative is null)
            {
                throw new ScanException(new ScanReport(ScanCodes.OutsideTree, ReportSeverity.Error, new SourceLocation(file, 0),
                    $"the parse read '{file}', which is outside the include root '{tree.Root}': vendor it into the tree"));
            }

            inputs.Add(relative);
        }

        var records = new RecordCollector(tree, Docs).Collect(unit.Root);
        var enums = EnumCollector.Collect(unit.Root, tree, Docs);
        var candidates = MacroEvaluator.FindCandidates(unit.Root, tree);
        var evaluated = MacroEvaluator.Evaluate(tree, candidates);

        var macros = new List<MacroModel>();
        var requests = new List<MacroModel>();
        foreach (var (candidate, value) in evaluated.Values)
        {
            var isRequest = evaluated.Probes.TryGetValue(candidate.Name, out var probe) && probe.Kind != IoctlProbeKind.NotIoctl;
            var documented = value with { Doc = Docs(candidate.Location.File).Find(null, candidate.Name)?.Text is { Length: > 0 } text ? text : null };
            (isRequest ? requests : macros).Add(documented);
        }

        var resolver = new IoctlResolver(IoctlTable.IoctlTable.Builtin, records, tree.Headers.Select(h => (h, Docs(h))).ToList());
        var ioctls = resolver.Resolve(requests, evaluated.Probes, request.Strict);
        var strictErrors = resolver.Reports.Where(r => r.Severity == ReportSeverity.Error).ToList();
        if (strictErrors.Count > 0)
        {
            throw new ScanException(strictErrors);
        }

        return new UapiModel
        {
            HeaderSet = new HeaderSetInfo
            {
                Version = tree.ReadVersion(),
                Headers = tree.Headers,
                Target = ScanRequest.Target,
                Arguments = CompilerArguments.Portable,
                Libclang = ClangTranslationUnit.ClangVersion(),
            },
            Inputs = HeaderTree.Hash(tree, inputs.Concat(tree.Headers)),
            Records = records,
            Enums = enums,
            Macros = macros,
            UnevaluatedMacros = evaluated.Unevaluated,
            Ioctls = ioctls,
            Reports = resolver.Reports,
        };
    }
}
