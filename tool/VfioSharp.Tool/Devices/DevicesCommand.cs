using System.Globalization;
using System.Text;
using VfioSharp.Cli;
using VfioSharp.Kernel;
using VfioSharp.Modes;

namespace VfioSharp.Tool.Devices;

/// <summary><c>vfiosharp devices</c>: a table of PCI devices and what VFIO can do with each, then why not.</summary>
internal static class DevicesCommand
{
    private static readonly string[] Headings = ["BDF", "VENDOR:DEVICE", "CLASS", "DRIVER", "IOMMU GROUP", "CDEV", "USABLE MODES"];

    public static int Run(string[] args, IKernel kernel, TextWriter output, TextWriter error)
    {
        if (args.Length > 0)
        {
            return ToolCommandLine.Usage(error, $"devices takes no arguments ('{args[0]}')");
        }

        output.Write(Format(DeviceSurvey.Take(kernel)));
        return CommandLine.Success;
    }

    public static string Format(DeviceSurvey survey)
    {
        var rows = new List<string[]> { Headings };
        foreach (var device in survey.Devices)
        {
            var usable = string.Join(", ", device.UsableModes.Select(VfioModeNames.Name));
            rows.Add(
            [
                device.Info.Address.ToString(),
                device.Vendor + ":" + device.Device,
                device.ClassCode,
                device.Info.Driver ?? "-",
                device.Info.IommuGroup?.ToString(CultureInfo.InvariantCulture) ?? "-",
                device.Info.CdevName ?? "-",
                usable.Length > 0 ? usable : "none",
            ]);
        }

        var text = new StringBuilder();
        var widths = Enumerable.Range(0, rows[0].Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }

        if (survey.Devices.Count == 0)
        {
            text.AppendLine("(no PCI devices in /sys/bus/pci/devices)");
        }

        text.AppendLine();
        text.AppendLine(survey.VfioPciLoaded ? "vfio-pci is loaded." : "vfio-pci is not loaded: modprobe vfio-pci (no device can be bound to it).");
        var kernelReasons = VfioModeNames.All.Where(mode => survey.KernelReasons[mode] is not null).ToList();
        if (kernelReasons.Count > 0)
        {
            text.AppendLine("Modes this kernel can't run:");
            foreach (var mode in kernelReasons)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {VfioModeNames.Name(mode),-13}  {survey.KernelReasons[mode]}");
            }
        }

        var deviceLines = new List<string>();
        foreach (var device in survey.Devices)
        {
            // Modes with the same reason on one line: an unbound device lacks every mode for one reason.
            foreach (var reason in device.DeviceReasons.Where(pair => pair.Value is not null).GroupBy(pair => pair.Value!, StringComparer.Ordinal))
            {
                var modes = string.Join(", ", reason.Select(pair => VfioModeNames.Name(pair.Key)));
                deviceLines.Add($"  {device.Info.Address}  {modes}: {reason.Key}");
            }
        }

        if (deviceLines.Count > 0)
        {
            text.AppendLine("Modes a device can't use:");
            foreach (var line in deviceLines)
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }
}
