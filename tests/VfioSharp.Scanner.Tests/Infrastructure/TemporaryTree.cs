namespace VfioSharp.Scanner.Tests.Infrastructure;

/// <summary>Header trees built for a test: a vendored closure plus the test's own headers.</summary>
internal static class TemporaryTree
{
    private static readonly string Base = Path.Combine(Path.GetTempPath(), "vfiosharp-tests-" + Environment.ProcessId);

    public static string NewDirectory()
    {
        var path = Path.Combine(Base, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A root holding the 6.17 include closure (linux/types.h, asm-generic, the arch folder) and nothing else.</summary>
    public static string WithClosure()
    {
        var root = NewDirectory();
        var source = Repository.Headers("linux-6.17");
        foreach (var file in Directory.EnumerateFiles(source, "*.h", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative is "linux/vfio.h" or "linux/iommufd.h")
            {
                continue;
            }

            var target = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return root;
    }

    /// <summary>Writes <paramref name="text"/> at <paramref name="relative"/> under <paramref name="root"/>.</summary>
    public static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>The edge-case header of the corpus in a root with the closure.</summary>
    public static string EdgeCases()
    {
        var root = WithClosure();
        File.Copy(Path.Combine(Repository.Corpus("Edge"), "edge", "edge.h"), Path.Combine(Directory.CreateDirectory(Path.Combine(root, "edge")).FullName, "edge.h"));
        return root;
    }
}
