using System.Security.Cryptography;
using VfioSharp.Model;
using VfioSharp.Model.HeaderSets;
using VfioSharp.Model.Reports;

namespace VfioSharp.Scanner.Scanning;

/// <summary>
/// The include root and the headers chosen from it, validated: every path the model shows is
/// relative to the root, and nothing outside the root may be read.
/// </summary>
internal sealed class HeaderTree
{
    private readonly Dictionary<string, string[]> _lines = new(StringComparer.Ordinal);

    private HeaderTree(string root, IReadOnlyList<string> headers)
    {
        Root = root;
        Headers = headers;
    }

    /// <summary>The absolute include root, without a trailing separator.</summary>
    public string Root { get; }

    /// <summary>The scanned headers, relative to the root, normalized to '/' separators.</summary>
    public IReadOnlyList<string> Headers { get; }

    /// <summary>The architecture folder the scanner adds to the include path, as Debian's multiarch does.</summary>
    public string ArchitectureRoot => Path.Combine(Root, ScanRequest.Target);

    public static HeaderTree Open(ScanRequest request)
    {
        var errors = new List<ScanReport>();
        var root = Path.GetFullPath(request.Root).TrimEnd(Path.DirectorySeparatorChar);
        if (!Directory.Exists(root))
        {
            throw new ScanException(Error(new SourceLocation(request.Root, 0), $"include root '{request.Root}' does not exist"));
        }

        if (request.Headers.Count == 0)
        {
            throw new ScanException(Error(new SourceLocation(request.Root, 0), "no header to scan: give at least one --header"));
        }

        var headers = new List<string>();
        foreach (var header in request.Headers)
        {
            var absolute = Path.GetFullPath(Path.Combine(root, header));
            var relative = RelativeTo(root, absolute);
            if (Path.IsPathRooted(header) || relative is null)
            {
                errors.Add(Error(new SourceLocation(header, 0), $"header '{header}' is outside the include root '{root}': give it relative to the root"));
            }
            else if (!File.Exists(absolute))
            {
                errors.Add(Error(new SourceLocation(header, 0), $"header '{header}' not found under the include root '{root}'"));
            }
            else if (headers.Contains(relative))
            {
                errors.Add(Error(new SourceLocation(header, 0), $"header '{header}' is given twice"));
            }
            else
            {
                headers.Add(relative);
            }
        }

        if (errors.Count > 0)
        {
            throw new ScanException(errors);
        }

        return new HeaderTree(root, headers);
    }

    /// <summary>The path of <paramref name="absolutePath"/> relative to the root with '/' separators, or null outside it.</summary>
    public string? Relative(string absolutePath) =>
        string.IsNullOrEmpty(absolutePath) ? null : RelativeTo(Root, Path.GetFullPath(absolutePath));

    public bool IsScanned(string relativePath) => Headers.Contains(relativePath, StringComparer.Ordinal);

    /// <summary>The location of a position in an absolute file, relative to the root where possible.</summary>
    public SourceLocation Locate(string absoluteFile, int line) =>
        new(string.IsNullOrEmpty(absoluteFile) ? "<built-in>" : Relative(absoluteFile) ?? absoluteFile, line);

    /// <summary>The <c>version</c> file's first line, if the tree has one.</summary>
    public string? ReadVersion()
    {
        var path = Path.Combine(Root, "version");
        return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
    }

    /// <summary>The lines of a header of the tree (cached), for kerneldoc and macro bodies.</summary>
    public string[] Lines(string relativePath)
    {
        if (!_lines.TryGetValue(relativePath, out var lines))
        {
            lines = File.ReadAllLines(Path.Combine(Root, relativePath));
            _lines[relativePath] = lines;
        }

        return lines;
    }

    /// <summary>Inputs with their SHA-256, sorted by path.</summary>
    public static IReadOnlyList<InputFile> Hash(HeaderTree tree, IEnumerable<string> relativePaths) =>
        relativePaths
            .Distinct(StringComparer.Ordinal)
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => new InputFile(path, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(tree.Root, path))))))
            .ToList();

    private static string? RelativeTo(string root, string absolute)
    {
        var relative = Path.GetRelativePath(root, absolute);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }

        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static ScanReport Error(SourceLocation location, string message) =>
        new(ScanCodes.MissingInput, ReportSeverity.Error, location, message);
}
