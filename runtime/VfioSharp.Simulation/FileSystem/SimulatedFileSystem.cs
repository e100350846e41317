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

    /// <summary>
    /// A sysfs attribute. <paramref name="read"/> null: write-only (mode 0200, as bind/unbind); <paramref name="write"/>
    /// null: read-only. A write returns 0 or the store function's -errno.
    /// </summary>
    public void AddText(string path, Func<string>? read, Func<string, int>? write = null)
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

    /// <summary>
    /// Removes a node, attribute, link or directory with everything under it (a driver unbound, a device's vfio-dev
    /// entry gone); the parent directories stay.
    /// </summary>
    public void Remove(string path)
    {
        var prefix = path + "/";
        bool Under(string candidate) => candidate == path || candidate.StartsWith(prefix, StringComparison.Ordinal);
        foreach (var key in _nodes.Keys.Where(Under).ToList())
        {
            _nodes.Remove(key);
            _nodeGuards.Remove(key);
        }

        foreach (var key in _texts.Keys.Where(Under).ToList())
        {
            _texts.Remove(key);
        }

        foreach (var key in _links.Keys.Where(Under).ToList())
        {
            _links.Remove(key);
        }

        foreach (var key in _directories.Keys.Where(Under).ToList())
        {
            _directories.Remove(key);
        }

        var slash = path.LastIndexOf('/');
        if (slash > 0 && _directories.TryGetValue(path[..slash], out var siblings))
        {
            siblings.Remove(path[(slash + 1)..]);
        }
    }

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
            // kernfs_fop_open: an access the attribute has no show/store for is EACCES, even for root. Writable
            // attributes are root's (0644, 0200): inode_permission refuses other users first.
            var access = flags & (OpenFlags)3;
            var reads = access != OpenFlags.WriteOnly;
            var writes = access != OpenFlags.ReadOnly;
            if ((reads && text.Read is null) || (writes && (text.Write is null || !kernel.Options.Root)))
            {
                return -LinuxErrno.EACCES;
            }

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

        if (attribute.Read is null)
        {
            return -LinuxErrno.EACCES;
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
