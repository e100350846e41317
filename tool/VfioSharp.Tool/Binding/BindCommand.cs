using VfioSharp.Cli;
using VfioSharp.Kernel;
using VfioSharp.Pci;

namespace VfioSharp.Tool.Binding;

/// <summary><c>vfiosharp bind &lt;bdf&gt;</c> and <c>vfiosharp unbind &lt;bdf&gt;</c>.</summary>
internal static class BindCommand
{
    public static int Run(string[] args, IKernel kernel, bool bind, TextWriter output, TextWriter error)
    {
        var command = bind ? "bind" : "unbind";
        if (args.Length != 1)
        {
            return ToolCommandLine.Usage(error, $"{command} takes one PCI address (DDDD:BB:DD.F)");
        }

        // The runtime's strict parser: exactly DDDD:BB:DD.F, so nothing but a device name reaches a sysfs path.
        PciAddress address;
        try
        {
            address = PciAddress.Parse(args[0]);
        }
        catch (FormatException exception)
        {
            return ToolCommandLine.Usage(error, $"{command}: {exception.Message}");
        }

        try
        {
            var binding = new DriverBinding(kernel);
            if (bind)
            {
                binding.Bind(address, output);
            }
            else
            {
                binding.Unbind(address, output);
            }

            return CommandLine.Success;
        }
        catch (BindingException exception)
        {
            error.WriteLine("vfiosharp: " + exception.Message);
            return CommandLine.Failure;
        }
    }
}
