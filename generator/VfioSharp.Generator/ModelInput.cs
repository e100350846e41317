namespace VfioSharp.Generator
{
    /// <summary>
    /// One model file and how to emit it. Equatable by value, so that Roslyn caches everything
    /// downstream while the model text and options stay the same.
    /// </summary>
    internal sealed record ModelInput(string Path, string? Text, string? Namespace, bool IsPublic, string? HeaderRoot);
}
