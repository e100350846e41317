using VfioSharp.Model;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Macros;
using VfioSharp.Model.Records;
using VfioSharp.Model.Reports;
using VfioSharp.Scanner.KernelDoc;
using VfioSharp.Scanner.Macros;
using VfioSharp.Scanner.Scanning;
using Table = VfioSharp.Scanner.IoctlTable.IoctlTable;

namespace VfioSharp.Scanner.Ioctls;

/// <summary>
/// Decides, for each request macro, what it is called on and with: from the checked-in table where it
/// has the name, else from the encoding's type argument, else from the kerneldoc; and reports every
/// place where the table and the kerneldoc disagree.
/// </summary>
internal sealed class IoctlResolver
{
    private readonly Table _table;
    private readonly Dictionary<string, RecordModel> _records;
    private readonly IReadOnlyList<(string File, KernelDocIndex Docs)> _docs;
    private readonly List<ScanReport> _reports = [];

    public IoctlResolver(Table table, IReadOnlyList<RecordModel> records, IReadOnlyList<(string File, KernelDocIndex Docs)> docs)
    {
        _table = table;
        _records = records.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _docs = docs;
    }

    public IReadOnlyList<ScanReport> Reports => _reports;

    public IReadOnlyList<IoctlModel> Resolve(IReadOnlyList<MacroModel> requests, IReadOnlyDictionary<string, IoctlProbe> probes, bool strict)
    {
        var names = requests.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var claimedBy = RecordsClaimingIoctls(names);
        var ioctls = new List<IoctlModel>();
        foreach (var request in requests)
        {
            ioctls.Add(Resolve(request, probes[request.Name], claimedBy, strict));
        }

        return ioctls;
    }

    /// <summary>iommufd.h documents an ioctl on its argument: <c>struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)</c>.</summary>
    private Dictionary<string, KernelDocBlock> RecordsClaimingIoctls(HashSet<string> ioctlNames)
    {
        var claims = new Dictionary<string, KernelDocBlock>(StringComparer.Ordinal);
        foreach (var (file, docs) in _docs)
        {
            foreach (var block in docs.Blocks.Where(b => b.Keyword is "struct" or "union"))
            {
                foreach (var ioctl in KernelDocIndex.IoctlsNamedBy(block.Summary))
                {
                    if (ioctlNames.Contains(ioctl))
                    {
                        claims.TryAdd(ioctl, block);
                    }
                    else
                    {
                        _reports.Add(Warning(ScanCodes.KerneldocUnknownIoctl, new SourceLocation(file, block.Line),
                            $"the kerneldoc of {block.Keyword} {block.Name} names ioctl({ioctl}), which the headers do not define"));
                    }
                }
            }
        }

        return claims;
    }

    private IoctlModel Resolve(MacroModel request, IoctlProbe probe, Dictionary<string, KernelDocBlock> claimedBy, bool strict)
    {
        var number = new RequestNumber(unchecked((ulong)request.IntegerValue));
        var docs = _docs.First(d => d.File == request.Location.File).Docs;
        var ownBlock = docs.Find(null, request.Name);
        claimedBy.TryGetValue(request.Name, out var claimingRecord);

        // What the kerneldoc says the argument is, spelled as there.
        string? docArgument = null;
        string? docMacro = null;
        if (ownBlock is not null && KernelDocIndex.TryReadEncoding(ownBlock.Summary, out var macro, out var argument))
        {
            docMacro = macro;
            docArgument = argument;
        }
        else if (claimingRecord is not null)
        {
            docArgument = claimingRecord.Keyword + " " + claimingRecord.Name;
        }

        var doc = ownBlock?.Text is { Length: > 0 } own ? own : claimingRecord?.Text;
        var model = new IoctlModel
        {
            Name = request.Name,
            Request = number.Value,
            Direction = number.Direction,
            Type = number.Type,
            Number = number.Number,
            Size = number.Size,
            FdKind = FdKind.Generic,
            ArgumentKind = ArgumentKind.Undetermined,
            Passing = ArgumentPassing.Pointer,
            Returns = IoctlReturn.Status,
            ReplyProtocol = ReplyProtocol.None,
            ArgumentSource = ArgumentSource.Undetermined,
            KerneldocArgument = docArgument,
            Location = request.Location,
            Doc = doc,
        };

        var entry = _table.Find(request.Name);
        if (entry is not null)
        {
            if (entry.ArgumentKind == ArgumentKind.Record && !_records.ContainsKey(entry.Argument!))
            {
                throw new ScanException(new ScanReport(ScanCodes.TableRecordMissing, ReportSeverity.Error, request.Location,
                    $"the ioctl table gives {request.Name} the argument struct {entry.Argument}, which this header set does not define"));
            }

            CrossCheck(request, entry.Argument, entry.Direction, docArgument, docMacro);
            if (probe.Kind == IoctlProbeKind.Argument && Normalize(probe.Argument) != entry.Argument)
            {
                _reports.Add(Warning(ScanCodes.EncodingDisagrees, request.Location,
                    $"{request.Name} encodes the argument '{probe.Argument}'; the ioctl table says '{entry.Argument ?? "none"}'"));
            }

            return model with
            {
                FdKind = entry.FdKind,
                Argument = entry.Argument,
                ArgumentKind = entry.ArgumentKind,
                ArgumentDirection = entry.Direction,
                Passing = entry.Passing,
                Returns = entry.Returns,
                ReturnedFdKind = entry.ReturnedFdKind,
                ReplyProtocol = entry.ReplyProtocol,
                ArgumentSource = ArgumentSource.Table,
            };
        }

        if (probe.Kind == IoctlProbeKind.Argument)
        {
            var name = Normalize(probe.Argument)!;
            return model with
            {
                Argument = name,
                ArgumentKind = probe.ArgumentIsRecord ? ArgumentKind.Record : ArgumentKind.Scalar,
                ArgumentDirection = number.Direction switch
                {
                    RequestDirection.Read => ArgumentDirection.Out,
                    RequestDirection.Write => ArgumentDirection.In,
                    _ => ArgumentDirection.InOut,
                },
                ArgumentSource = ArgumentSource.Encoding,
            };
        }

        if (docMacro is not null || docArgument is not null)
        {
            if (docArgument is null)
            {
                return model with { ArgumentKind = ArgumentKind.None, Passing = ArgumentPassing.None, ArgumentSource = ArgumentSource.Kerneldoc };
            }

            var name = Normalize(docArgument)!;
            var isRecord = docArgument.StartsWith("struct ", StringComparison.Ordinal) || docArgument.StartsWith("union ", StringComparison.Ordinal);
            if (!isRecord || _records.ContainsKey(name))
            {
                return model with
                {
                    Argument = name,
                    ArgumentKind = isRecord ? ArgumentKind.Record : ArgumentKind.Scalar,
                    ArgumentDirection = docMacro switch
                    {
                        "_IOR" => ArgumentDirection.Out,
                        "_IOW" => ArgumentDirection.In,
                        _ => ArgumentDirection.InOut,
                    },
                    ArgumentSource = ArgumentSource.Kerneldoc,
                };
            }

            _reports.Add(Warning(ScanCodes.KerneldocUnknownRecord, request.Location,
                $"the kerneldoc of {request.Name} names '{docArgument}', which the headers do not define"));
        }

        var message = probe.Kind == IoctlProbeKind.RawSize
            ? $"{request.Name}: the argument of this ioctl cannot be determined: it is encoded with _IOC and a size ({number.Size} bytes) but no type, it is not in the ioctl table, and its kerneldoc names none"
            : $"{request.Name}: the argument of this ioctl cannot be determined: it is encoded with _IO, it is not in the ioctl table, and its kerneldoc names none";
        _reports.Add(new ScanReport(ScanCodes.UndeterminedArgument, strict ? ReportSeverity.Error : ReportSeverity.Warning, request.Location, message));
        return model;
    }

    private void CrossCheck(MacroModel request, string? tableArgument, ArgumentDirection? tableDirection, string? docArgument, string? docMacro)
    {
        if (docArgument is null && docMacro is null)
        {
            return;
        }

        var documented = Normalize(docArgument);
        if (documented != tableArgument)
        {
            _reports.Add(Warning(ScanCodes.KerneldocArgumentDisagrees, request.Location,
                $"the kerneldoc of {request.Name} names the argument '{docArgument ?? "none"}'; the ioctl table (from the kernel's handler) says '{tableArgument ?? "none"}'"));
            return;
        }

        if (docMacro is null || tableDirection is null)
        {
            return;
        }

        ArgumentDirection? implied = docMacro switch
        {
            "_IOR" => ArgumentDirection.Out,
            "_IOW" => ArgumentDirection.In,
            "_IOWR" => ArgumentDirection.InOut,
            _ => null,
        };
        if (implied != tableDirection)
        {
            _reports.Add(Warning(ScanCodes.KerneldocDirectionDisagrees, request.Location,
                $"the kerneldoc of {request.Name} writes {docMacro} (argument {Spell(implied)}); the ioctl table (from the kernel's handler) says {Spell(tableDirection)}"));
        }
    }

    private static string Spell(ArgumentDirection? direction) => direction switch
    {
        ArgumentDirection.In => "in",
        ArgumentDirection.Out => "out",
        ArgumentDirection.InOut => "in/out",
        _ => "none",
    };

    /// <summary>A record argument without its keyword (<c>struct x</c> → <c>x</c>); scalars as spelled.</summary>
    private static string? Normalize(string? argument)
    {
        if (argument is null)
        {
            return null;
        }

        foreach (var keyword in new[] { "struct ", "union " })
        {
            if (argument.StartsWith(keyword, StringComparison.Ordinal))
            {
                return argument[keyword.Length..].Trim();
            }
        }

        return argument.Trim();
    }

    private static ScanReport Warning(string code, SourceLocation location, string message) =>
        new(code, ReportSeverity.Warning, location, message);
}
