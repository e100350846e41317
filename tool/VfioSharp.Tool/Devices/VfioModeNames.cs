using VfioSharp.Modes;

namespace VfioSharp.Tool.Devices;

/// <summary>The modes as the tool names them, in the order it lists them.</summary>
internal static class VfioModeNames
{
    public static readonly VfioMode[] All = [VfioMode.Group, VfioMode.Cdev, VfioMode.NoIommuGroup, VfioMode.NoIommuCdev];

    public static string Name(VfioMode mode) => mode switch
    {
        VfioMode.Group => "group",
        VfioMode.Cdev => "cdev",
        VfioMode.NoIommuGroup => "noiommu-group",
        VfioMode.NoIommuCdev => "noiommu-cdev",
        _ => mode.ToString(),
    };
}
