namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>A file with a name no other test uses, deleted on dispose: /proc/self/fd/N pointing at it can only mean our fd.</summary>
internal sealed class ScratchFile : IDisposable
{
    public ScratchFile(byte[]? contents = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vfiosharp-runtime-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(Path, contents ?? []);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
