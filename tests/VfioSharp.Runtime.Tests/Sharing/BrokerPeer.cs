using System.Diagnostics;

namespace VfioSharp.Runtime.Tests.Sharing;

/// <summary>The broker as a second real process (tests/VfioSharp.Sharing.Peer), started with <c>dotnet</c>.</summary>
internal sealed class BrokerPeer : IDisposable
{
    private readonly Process _process;

    private BrokerPeer(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public int Pid => _process.Id;

    public static BrokerPeer Start(params string[] arguments)
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"vfiosharp-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40] + ".sock");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(PeerAssembly());
        start.ArgumentList.Add(arguments[0]);
        start.ArgumentList.Add(socketPath);
        foreach (var argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var first = process.StandardOutput.ReadLine();
        Assert.Equal("ready", first);
        return new BrokerPeer(process, socketPath);
    }

    /// <summary>The broker's open fds, from /proc (same user, so readable).</summary>
    public int OpenFdCount() => Directory.GetFiles($"/proc/{_process.Id}/fd").Length;

    /// <summary>The broker's open fds, once they are at most <paramref name="atMost"/>: connection threads close their sockets after the client's close reaches them (bounded wait; null: now).</summary>
    public int WaitForFdCount(int? atMost)
    {
        var count = OpenFdCount();
        for (var i = 0; i < 200 && atMost is { } most && count > most; i++)
        {
            Thread.Sleep(25);
            count = OpenFdCount();
        }

        return count;
    }

    /// <summary>What the broker's fds refer to (<c>pipe:[inode]</c>, <c>socket:[inode]</c>, paths), from /proc.</summary>
    public IReadOnlyList<string> OpenFdTargets()
    {
        var targets = new List<string>();
        foreach (var link in Directory.GetFiles($"/proc/{_process.Id}/fd"))
        {
            try
            {
                if (new FileInfo(link).LinkTarget is { } target)
                {
                    targets.Add(target);
                }
            }
            catch (IOException)
            {
                // Closed between the listing and the read: not open any more.
            }
        }

        return targets;
    }

    public string Stats()
    {
        _process.StandardInput.WriteLine("stats");
        _process.StandardInput.Flush();
        return _process.StandardOutput.ReadLine() ?? string.Empty;
    }

    public int WaitForExit()
    {
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }
        finally
        {
            _process.Dispose();
            File.Delete(SocketPath);
        }
    }

    private static string PeerAssembly()
    {
        // tests/VfioSharp.Runtime.Tests/bin/<Configuration>/<tfm>/ → tests/VfioSharp.Sharing.Peer/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var tfm = output.Name;
        var configuration = output.Parent!.Name;
        var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(tests, "VfioSharp.Sharing.Peer", "bin", configuration, tfm, "VfioSharp.Sharing.Peer.dll");
        Assert.True(File.Exists(path), $"the broker peer is built with the tests: {path}");
        return path;
    }
}
