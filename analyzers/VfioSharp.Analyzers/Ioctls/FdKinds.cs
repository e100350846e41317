using System;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// The runtime's fd kinds (the member names of <c>VfioSharp.Handles.FdKind</c>): which handle type
/// declares which, which device path opens which, and how a message names them.
/// </summary>
internal static class FdKinds
{
    public const string Generic = "Generic";
    public const string Container = "Container";
    public const string Group = "Group";
    public const string Device = "Device";
    public const string Iommufd = "Iommufd";

    /// <summary>
    /// The kind a handle type declares: one of the specific handle types. <c>GenericFileHandle</c>
    /// and <c>KernelFileHandle</c> say nothing about what the descriptor is.
    /// </summary>
    public static string? OfHandleType(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { ContainingType: null } named
            || !KnownSymbols.IsNamespace(named.ContainingNamespace, KnownSymbols.HandlesNamespace))
        {
            return null;
        }

        return named.Name switch
        {
            "ContainerHandle" => Container,
            "GroupHandle" => Group,
            "DeviceHandle" => Device,
            "IommufdHandle" => Iommufd,
            "MigrationHandle" => "Migration",
            "DmaBufHandle" => "DmaBuf",
            _ => null,
        };
    }

    /// <summary>The kind of the descriptor a path opens: VFIO's and iommufd's character devices.</summary>
    public static string? OfPath(string path)
    {
        const string vfio = "/dev/vfio/";
        if (path == "/dev/vfio/vfio")
        {
            return Container;
        }

        if (path == "/dev/iommu")
        {
            return Iommufd;
        }

        if (path.StartsWith(vfio + "devices/", StringComparison.Ordinal))
        {
            return Device;
        }

        if (!path.StartsWith(vfio, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path.Substring(vfio.Length);
        if (rest.StartsWith("noiommu-", StringComparison.Ordinal))
        {
            rest = rest.Substring("noiommu-".Length);
        }

        if (rest.Length == 0)
        {
            return null;
        }

        foreach (var c in rest)
        {
            if (c is < '0' or > '9')
            {
                return null;
            }
        }

        return Group;
    }

    /// <summary>The kind a path opens when only its start is known (<c>$"/dev/vfio/{group}"</c>).</summary>
    public static string? OfPathPrefix(string prefix)
        => prefix switch
        {
            "/dev/vfio/" or "/dev/vfio/noiommu-" => Group,
            _ when prefix.StartsWith("/dev/vfio/devices/", StringComparison.Ordinal) => Device,
            _ => null,
        };

    /// <summary>The kind as a message says it: "a device fd".</summary>
    public static string Describe(string kind)
        => kind switch
        {
            Container => "a container fd",
            Group => "a group fd",
            Device => "a device fd",
            Iommufd => "an iommufd",
            "Migration" => "a migration fd",
            "DmaBuf" => "a dma-buf fd",
            Generic => "an fd",
            _ => "a " + kind + " fd",
        };
}
