namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// iommufd's <c>allow_unsafe_interrupts</c> module parameter (0644, read by iommufd_device_bind on every bind),
/// set while a row checks that its refusal was the missing MSI isolation and nothing else, and restored afterwards.
/// </summary>
internal static class UnsafeInterrupts
{
    private const string Parameter = "/sys/module/iommufd/parameters/allow_unsafe_interrupts";

    public static long Allowed(Func<long> bind)
    {
        var saved = File.ReadAllText(Parameter).Trim();
        File.WriteAllText(Parameter, "1");
        try
        {
            return bind();
        }
        finally
        {
            File.WriteAllText(Parameter, saved);
        }
    }
}
