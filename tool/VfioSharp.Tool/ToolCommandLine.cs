using VfioSharp.Cli;
using VfioSharp.Kernel;
using VfioSharp.Tool.Binding;
using VfioSharp.Tool.Devices;
using VfioSharp.Tool.Models;

namespace VfioSharp.Tool;

/// <summary>
/// The <c>vfiosharp</c> tool's commands: the device commands over <see cref="IKernel"/> (Linux, or a simulated kernel in
/// tests), and the generator's scan/emit/diff from VfioSharp.Cli, with libclang found for scan.
/// </summary>
internal static class ToolCommandLine
{
    public const string UsageText = """
        usage: vfiosharp <command> [arguments]

        devices
            PCI devices with their IDs, class, driver, IOMMU group, VFIO cdev and the VFIO modes usable for each
            (group, cdev, noiommu-group, noiommu-cdev), and why the others are not.
        bind <DDDD:BB:DD.F>
            Give a device to vfio-pci: driver_override, unbind from its driver, drivers_probe (needs root).
        unbind <DDDD:BB:DD.F>
            Take a device from vfio-pci: clear driver_override, unbind, drivers_probe (its host driver takes it back).
        scan [--libclang <libclang.so>] --root <include-root> --header <path> [--header <path> ...] --out <model.json> [--strict]
            Parse uapi headers with libclang into a model. libclang: --libclang, else VFIOSHARP_LIBCLANG, else
            libclang.runtime.linux-x64 22.1.8 in the NuGet global packages folder.
        diff <old.json> <new.json> [--docs]
            What changed between two models; [ABI] marks what changes bytes or numbers. Exit code 1 when they differ.
        emit <model.json> --namespace <Namespace> --out <Bindings.cs> [--public]
            Write the C# the generator makes of a model.

        Exit codes: 0 success, 1 failure (diff: differences), 2 usage error.
        """;

    public static Task<int> RunAsync(string[] args, IKernel kernel, ToolEnvironment environment, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(UsageText);
            return Task.FromResult(args.Length == 0 ? CommandLine.Usage : CommandLine.Success);
        }

        var rest = args[1..];
        return args[0] switch
        {
            "devices" => Task.FromResult(DevicesCommand.Run(rest, kernel, output, error)),
            "bind" => Task.FromResult(BindCommand.Run(rest, kernel, bind: true, output, error)),
            "unbind" => Task.FromResult(BindCommand.Run(rest, kernel, bind: false, output, error)),
            "scan" => Task.FromResult(Scan(rest, environment, output, error)),
            "diff" or "emit" => CommandLine.RunAsync(args, output, error),
            _ => Task.FromResult(Usage(error, $"unknown command '{args[0]}'")),
        };
    }

    public static int Usage(TextWriter error, string message)
    {
        error.WriteLine("vfiosharp: " + message);
        error.WriteLine(UsageText);
        return CommandLine.Usage;
    }

    /// <summary>Takes <c>--libclang</c> out of the arguments, finds libclang and hands the rest to the scanner.</summary>
    private static int Scan(string[] args, ToolEnvironment environment, TextWriter output, TextWriter error)
    {
        string? option = null;
        var scannerArguments = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--libclang")
            {
                if (i + 1 == args.Length)
                {
                    return Usage(error, "scan: --libclang needs a value");
                }

                option = args[++i];
            }
            else
            {
                scannerArguments.Add(args[i]);
            }
        }

        if (!LibClangLocation.TryFind(option, environment, out var library, out var problem))
        {
            error.WriteLine("vfiosharp: " + problem);
            return CommandLine.Failure;
        }

        // The scanner's resolver reads the variable when libclang is first called, in this process.
        Environment.SetEnvironmentVariable(LibClangLocation.Variable, library);
        return ScanCommand.Run([.. scannerArguments], output, error);
    }
}
