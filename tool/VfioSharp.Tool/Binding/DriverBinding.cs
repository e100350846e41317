using System.Text;
using VfioSharp.Kernel;
using VfioSharp.Pci;
using VfioSharp.Tool.Devices;

namespace VfioSharp.Tool.Binding;

/// <summary>
/// Moves a device to and from vfio-pci the way the kernel documents for driver_override (Documentation/ABI/testing/
/// sysfs-bus-pci): write the driver's name to the device's <c>driver_override</c>, unbind it from its driver, and ask
/// the bus to probe it (<c>drivers_probe</c>): only the overriding driver may take it. Unbind clears the override, so
/// that the probe hands the device back to the driver whose ID table matches. Every file is reached through
/// <see cref="IKernel"/>, and only under <c>/sys/bus/pci</c> with a strictly parsed <see cref="PciAddress"/>.
/// </summary>
internal sealed class DriverBinding(IKernel kernel)
{
    public const string VfioPci = "vfio-pci";
    private const string Bus = "/sys/bus/pci";

    /// <summary>Gives the device to vfio-pci.</summary>
    /// <param name="address">The device.</param>
    /// <param name="output">Where each change is reported as it is made.</param>
    /// <exception cref="BindingException">It didn't, or the device's IOMMU group is not viable.</exception>
    public void Bind(PciAddress address, TextWriter output)
    {
        var before = Device(address);
        if (kernel.ListDirectory(Bus + "/drivers/" + VfioPci, out _) < 0)
        {
            throw new BindingException($"bind {address}: vfio-pci is not loaded ({Bus}/drivers/{VfioPci} does not exist): modprobe vfio-pci, then run this again");
        }

        if (before.Driver == VfioPci)
        {
            output.WriteLine($"{address}: already bound to vfio-pci");
        }
        else
        {
            Write(address, "bind", DeviceFile(address, "driver_override"), VfioPci);
            if (before.Driver is { } current)
            {
                Write(address, "bind", $"{Bus}/drivers/{current}/unbind", address.ToString());
            }

            Write(address, "bind", Bus + "/drivers_probe", address.ToString());
            var after = Device(address);
            if (after.Driver != VfioPci)
            {
                var why = after.IommuGroup is null
                    ? "it has no IOMMU group: enable the IOMMU (intel_iommu=on / amd_iommu=on) or, for no-IOMMU mode, echo Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
                    : "see the kernel log (dmesg) for vfio-pci's probe error";
                throw new BindingException($"bind {address}: vfio-pci did not take the device (now {after.Driver ?? "no driver"}; driver_override stays vfio-pci): {why}");
            }

            output.WriteLine($"{address}: {before.Driver ?? "no driver"} -> vfio-pci");
        }

        var bound = Device(address);
        if (bound.IommuGroup is { } group && DeviceSurvey.HostBoundMembers(kernel, group) is { Count: > 0 } blocking)
        {
            throw new BindingException(
                $"bind {address}: IOMMU group {group} is not viable: {DeviceSurvey.Describe(blocking)} still on host drivers; VFIO refuses the group "
                + $"(and iommufd the device) until every member is on vfio-pci or unbound: vfiosharp bind {string.Join(" / ", blocking.Select(b => b.Address))}");
        }
    }

    /// <summary>Takes the device from vfio-pci and lets its host driver (if any) probe it again.</summary>
    /// <param name="address">The device.</param>
    /// <param name="output">Where the change is reported.</param>
    /// <exception cref="BindingException">It isn't vfio-pci's, or a step failed.</exception>
    public void Unbind(PciAddress address, TextWriter output)
    {
        var before = Device(address);
        var overridden = kernel.ReadText(DeviceFile(address, "driver_override"), out var text) == 0 && text.Trim() == VfioPci;
        if (before.Driver != VfioPci && !overridden)
        {
            throw new BindingException($"unbind {address}: it is not bound to vfio-pci ({before.Driver ?? "no driver"}) and its driver_override is not vfio-pci: nothing to undo");
        }

        // An empty line clears the override (driver_set_override): the probe below may pick any matching driver.
        Write(address, "unbind", DeviceFile(address, "driver_override"), "\n");
        if (before.Driver == VfioPci)
        {
            Write(address, "unbind", $"{Bus}/drivers/{VfioPci}/unbind", address.ToString());
        }

        Write(address, "unbind", Bus + "/drivers_probe", address.ToString());
        var after = Device(address);
        output.WriteLine($"{address}: {before.Driver ?? "no driver"} -> {after.Driver ?? "no driver"}");
    }

    private static string DeviceFile(PciAddress address, string attribute) => $"{Bus}/devices/{address}/{attribute}";

    private PciDeviceInfo Device(PciAddress address)
    {
        try
        {
            return PciDeviceInfo.Read(kernel, address);
        }
        catch (VfioException)
        {
            throw new BindingException($"{address}: no such PCI device ({Bus}/devices/{address} does not exist; `vfiosharp devices` lists them)");
        }
    }

    /// <summary>Writes one value to a sysfs file, as <c>echo value &gt; file</c>; a failure names the device, the file and the errno.</summary>
    private void Write(PciAddress address, string command, string path, string value)
    {
        var fd = kernel.Open(path, OpenFlags.WriteOnly | OpenFlags.CloseOnExec);
        var result = fd < 0 ? fd : kernel.Write(fd, Encoding.ASCII.GetBytes(value));
        if (fd >= 0)
        {
            _ = kernel.Close(fd); // sysfs stores on write; close has nothing left to report
        }

        if (result >= 0)
        {
            return;
        }

        var errno = Errno.FromResult(result);
        var shown = value == "\n" ? "an empty line" : $"'{value}'";
        string advice;
        if (errno == Errno.EACCES || errno == Errno.EPERM)
        {
            advice = $"run as root (sudo vfiosharp {command} {address}): sysfs driver files are writable by root only";
        }
        else if (errno == Errno.EBUSY)
        {
            advice = path.EndsWith("/unbind", StringComparison.Ordinal) ? "the device is in use: a VFIO user has it open (close that program first)" : "the device already has a driver";
        }
        else if (errno == Errno.ENODEV)
        {
            advice = "the kernel found no such device, or no driver that may take it";
        }
        else
        {
            advice = "see the kernel log (dmesg)";
        }

        throw new BindingException($"{command} {address}: writing {shown} to {path} failed: {errno.Name} ({errno.Message}): {advice}");
    }
}
