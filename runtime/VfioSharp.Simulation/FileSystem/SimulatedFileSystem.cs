using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.FileSystem;

/// <summary>
/// The paths the simulated kernel shows: device nodes (<c>/dev/vfio/*</c>, <c>/dev/iommu</c>), sysfs attributes
/// and links, <c>/proc/self/pagemap</c>. Directories exist implicitly as the parents of what is added.
/// </summary>
internal sealed class SimulatedFileSystem(SimulatedKernel kernel)
{
    private readonly Dictionary<string, Func<SimulatedFile>> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<int>> _nodeGuards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TextAttribute> _texts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SortedSet<string>> _directories = new(StringComparer.Ordinal);

    /// <summary>A device node: each open makes a new file, unless <paramref name="guard"/> returns -errno first.</summary>
    public void AddDeviceNode(string path, Func<SimulatedFile> open, Func<int>? guard = null)
    {
        _nodes[path] = open;
        if (guard is not null)
        {
            _nodeGuards[path] = guard;
        }

        AddParents(path);
    }

    public void AddText(string path, Func<string> read, Action<string>? write = null)
    {
        _texts[path] = new TextAttribute(read, write);
        AddParents(path);
    }

    public void AddLink(string path, string target)
    {
        _links[path] = target;
        AddParents(path);
    }

    public void AddDirectory(string path) => AddParents(path + "/.");

    public int Open(string path, OpenFlags flags, out SimulatedFile? file)
    {
        file = null;
        if (_nodes.TryGetValue(path, out var open))
        {
            if (!kernel.Options.DeviceNodeAccess && RootOnly(path))
            {
                // inode_permission, before any VFIO code runs.
                return -LinuxErrno.EACCES;
            }

            if (_nodeGuards.TryGetValue(path, out var guard) && guard() is < 0 and var refused)
            {
                return refused;
            }

            file = open();
            return 0;
        }

        if (_texts.TryGetValue(path, out var text))
        {
            file = new TextAttributeFile(kernel, path, text, flags);
            return 0;
        }

        return _directories.ContainsKey(path) ? -LinuxErrno.EISDIR : -LinuxErrno.ENOENT;
    }

    public int ReadText(string path, out string text)
    {
        text = string.Empty;
        if (!_texts.TryGetValue(path, out var attribute))
        {
            return _directories.ContainsKey(path) ? -LinuxErrno.EISDIR : -LinuxErrno.ENOENT;
        }

        text = attribute.Read();
        return 0;
    }

    public int ReadLink(string path, out string target)
    {
        if (_links.TryGetValue(path, out var found))
        {
            target = found;
            return 0;
        }

        target = string.Empty;
        return Exists(path) ? -LinuxErrno.EINVAL : -LinuxErrno.ENOENT;
    }

    public int ListDirectory(string path, out IReadOnlyList<string> entries)
    {
        if (_directories.TryGetValue(path, out var children))
        {
            entries = [.. children];
            return 0;
        }

        entries = [];
        return Exists(path) ? -LinuxErrno.ENOTDIR : -LinuxErrno.ENOENT;
    }

    /// <summary>
    /// The nodes whose default mode keeps other users out: VFIO's group and device nodes (vfio_devnode,
    /// vfio_device_devnode: 0600) and /dev/iommu (0660); the container node is 0666.
    /// </summary>
    private static bool RootOnly(string path)
        => path == "/dev/iommu" || (path.StartsWith("/dev/vfio/", StringComparison.Ordinal) && path != "/dev/vfio/vfio");

    public bool Exists(string path) => _nodes.ContainsKey(path) || _texts.ContainsKey(path) || _links.ContainsKey(path) || _directories.ContainsKey(path);

    private void AddParents(string path)
    {
        var current = path;
        while (current.LastIndexOf('/') is > 0 and var slash)
        {
            var parent = current[..slash];
            var name = current[(slash + 1)..];
            if (!_directories.TryGetValue(parent, out var children))
            {
                children = new SortedSet<string>(StringComparer.Ordinal);
                _directories.Add(parent, children);
            }

            if (name != ".")
            {
                children.Add(name);
            }

            current = parent;
        }
    }
}
