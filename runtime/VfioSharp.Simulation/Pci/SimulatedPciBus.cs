using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// The PCI bus's driver core as sysfs shows it: <c>/sys/bus/pci/drivers/&lt;driver&gt;/{bind,unbind}</c>,
/// <c>/sys/bus/pci/drivers_probe</c> and each device's <c>driver_override</c>, with the answers Linux gives
/// (<c>drivers/base/bus.c</c>, <c>drivers/base/dd.c</c>, <c>drivers/base/driver.c</c>, <c>drivers/pci/pci-driver.c</c>).
/// The drivers are vfio-pci (unless the machine has it unloaded) and every host driver a device was plugged in with;
/// a device matches its host driver by its IDs, and vfio-pci (which has no ID table) only through driver_override.
/// </summary>
internal sealed class SimulatedPciBus
{
    public const string VfioPci = "vfio-pci";
    private const string Drivers = "/sys/bus/pci/drivers/";
    private readonly SimulatedKernel _kernel;
    private readonly HashSet<string> _drivers = new(StringComparer.Ordinal);

    public SimulatedPciBus(SimulatedKernel kernel)
    {
        _kernel = kernel;
        kernel.FileSystem.AddText("/sys/bus/pci/drivers_probe", read: null, DriversProbe);
        if (kernel.Options.VfioPciLoaded)
        {
            Register(VfioPci);
        }
    }

    public bool IsRegistered(string driver) => _drivers.Contains(driver);

    /// <summary>A driver module loaded: its folder with bind and unbind (bus_add_driver, add_bind_files; both 0200).</summary>
    public void Register(string driver)
    {
        if (!_drivers.Add(driver))
        {
            return;
        }

        _kernel.FileSystem.AddText(Drivers + driver + "/bind", read: null, text => Bind(driver, text));
        _kernel.FileSystem.AddText(Drivers + driver + "/unbind", read: null, text => Unbind(driver, text));
    }

    /// <summary>The device's driver_override attribute (pci-sysfs.c: driver_override_show/_store).</summary>
    public void AddDevice(SimulatedPciFunction function)
        => _kernel.FileSystem.AddText(
            "/sys/bus/pci/devices/" + function.Address + "/driver_override",
            () => (function.DriverOverride ?? "(null)") + "\n", // sysfs_emit("%s\n", NULL) prints "(null)"
            text => StoreOverride(function, text));

    /// <summary>
    /// driver_set_override (drivers/base/driver.c): a value of a page or more is EINVAL; the text up to the first newline
    /// is kept; an empty value (or a lone newline) clears the override. Changing it binds or unbinds nothing.
    /// </summary>
    private static int StoreOverride(SimulatedPciFunction function, string text)
    {
        if (text.Length >= 4096 - 1)
        {
            return -LinuxErrno.EINVAL;
        }

        var end = text.IndexOfAny(['\n', '\0']);
        var value = end < 0 ? text : text[..end];
        function.DriverOverride = value.Length == 0 ? null : value;
        return 0;
    }

    /// <summary>
    /// bind_store: no such device or the driver doesn't match it (driver_match_device) is ENODEV; a device that has a
    /// driver already is EBUSY (__driver_probe_device checks dev->driver first); a failed probe returns the probe's errno
    /// (device_driver_attach: "also return probe errors as normal negative errnos").
    /// </summary>
    private int Bind(string driver, string text)
    {
        if (Find(text) is not { } function || !Matches(driver, function))
        {
            return -LinuxErrno.ENODEV;
        }

        return function.Driver.Length > 0 ? -LinuxErrno.EBUSY : Probe(driver, function);
    }

    /// <summary>unbind_store: ENODEV unless the device is bound to this very driver.</summary>
    private int Unbind(string driver, string text)
    {
        if (Find(text) is not { } function || function.Driver != driver)
        {
            return -LinuxErrno.ENODEV;
        }

        return Detach(function);
    }

    /// <summary>
    /// drivers_probe_store: ENODEV without such a device; a bound device is left alone and an unbound one is offered to
    /// every matching driver (bus_rescan_devices_helper → device_attach). A probe that fails or no matching driver is
    /// still success: device_attach reports "nothing bound" as 0, not as an error.
    /// </summary>
    private int DriversProbe(string text)
    {
        if (Find(text) is not { } function)
        {
            return -LinuxErrno.ENODEV;
        }

        if (function.Driver.Length == 0)
        {
            foreach (var driver in _drivers.Where(d => Matches(d, function)).Order(StringComparer.Ordinal))
            {
                if (Probe(driver, function) == 0)
                {
                    break;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// pci_match_device: with a driver_override only the driver of that name matches (for any IDs); without one, a
    /// driver matches by its ID table: the device's host driver, never vfio-pci (its table is empty but for new_id).
    /// </summary>
    private static bool Matches(string driver, SimulatedPciFunction function)
        => function.DriverOverride is { } forced ? forced == driver : driver == function.HostDriver;

    /// <summary>
    /// A driver's probe. vfio-pci's (vfio_pci_probe → vfio_register_group_dev): only normal (type 0) functions, and
    /// only with an IOMMU group or, without one, with enable_unsafe_noiommu_mode on (vfio_group_find_or_alloc): EINVAL
    /// otherwise. Host drivers take their device.
    /// </summary>
    private int Probe(string driver, SimulatedPciFunction function)
    {
        if (driver == VfioPci && function.Group.NoIommu && !_kernel.Options.NoIommuEnabled)
        {
            return -LinuxErrno.EINVAL;
        }

        function.AttachDriver(driver);
        return 0;
    }

    /// <summary>
    /// device_driver_detach. Linux's vfio-pci remove waits, inside the write, until the user closes the device
    /// (vfio_unregister_group_dev, signalling the REQ eventfd meanwhile); a simulation can't block its caller forever,
    /// so it signals REQ and refuses with EBUSY while a device fd is open.
    /// </summary>
    private static int Detach(SimulatedPciFunction function)
    {
        if (function.BoundToVfio && (function.OpenDeviceFiles > 0 || function.BoundCdev is not null))
        {
            if (function.Interrupts.RequestTrigger is { } request)
            {
                request.Signal();
                function.Kernel.Wake();
            }

            return -LinuxErrno.EBUSY;
        }

        function.DetachDriver();
        return 0;
    }

    /// <summary>bus_find_device_by_name: the name compared with sysfs_streq (one trailing newline ignored on either side).</summary>
    private SimulatedPciFunction? Find(string text)
    {
        var name = text.EndsWith('\n') ? text[..^1] : text;
        return _kernel.Functions.FirstOrDefault(f => f.Address == name);
    }
}
