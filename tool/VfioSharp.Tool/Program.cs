using VfioSharp.Kernel;
using VfioSharp.Tool;

if (!OperatingSystem.IsLinux())
{
    // VFIO and sysfs are Linux's; diff and emit would work anywhere, but one tool that says so is simpler.
    await Console.Error.WriteLineAsync("vfiosharp: runs on Linux only").ConfigureAwait(false);
    return 1;
}

return await ToolCommandLine.RunAsync(args, LinuxKernel.Instance, ToolEnvironment.FromProcess(), Console.Out, Console.Error).ConfigureAwait(false);
