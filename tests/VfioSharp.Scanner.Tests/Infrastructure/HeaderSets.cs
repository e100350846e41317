namespace VfioSharp.Scanner.Tests.Infrastructure;

/// <summary>The header sets every model-level test runs over: both vendored versions and the edge cases.</summary>
public static class HeaderSets
{
    public const string Linux617 = "linux-6.17";
    public const string Linux612 = "linux-6.12";
    public const string EdgeCases = "edge";

    public static TheoryData<string> All => new() { Linux617, Linux612, EdgeCases };

    public static TheoryData<string> Vendored => new() { Linux617, Linux612 };

    /// <summary>The include root and the headers of a set.</summary>
    public static (string Root, string[] Headers) Resolve(string set) => set switch
    {
        EdgeCases => (TemporaryTree.EdgeCases(), ["edge/edge.h"]),
        _ => (Repository.Headers(set), ["linux/vfio.h", "linux/iommufd.h"]),
    };
}
