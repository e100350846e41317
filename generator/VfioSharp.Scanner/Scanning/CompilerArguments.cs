namespace VfioSharp.Scanner.Scanning;

/// <summary>
/// The clang command line of every parse. <c>-nostdinc</c> plus the tree's own include folders: without
/// them libclang silently reads the build machine's /usr/include, whose older structs are smaller.
/// </summary>
internal static class CompilerArguments
{
    public const string RootPlaceholder = "<root>";

    /// <summary>The arguments with the include root spelled <see cref="RootPlaceholder"/> (as the model records them).</summary>
    public static IReadOnlyList<string> Portable { get; } =
    [
        "-x", "c",
        "-std=gnu11",
        "--target=" + ScanRequest.Target,
        "-nostdinc",
        "-I" + RootPlaceholder + "/" + ScanRequest.Target,
        "-I" + RootPlaceholder,
        "-ferror-limit=0",
    ];

    /// <summary>The arguments for <paramref name="tree"/>.</summary>
    public static IReadOnlyList<string> For(HeaderTree tree) =>
        Portable.Select(argument => argument.Replace(RootPlaceholder, tree.Root, StringComparison.Ordinal)).ToList();

    /// <summary>A synthetic translation unit's text that includes every scanned header.</summary>
    public static string Includes(HeaderTree tree) =>
        string.Concat(tree.Headers.Select(header => "#include <" + header + ">\n"));
}
