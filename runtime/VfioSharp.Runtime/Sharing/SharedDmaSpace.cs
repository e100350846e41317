using VfioSharp.Modes;

namespace VfioSharp.Sharing;

/// <summary>What a broker's <see cref="SharingMessageKind.DmaSpaceReply"/> carried: a received fd the caller now owns, and the IOAS id as sent.</summary>
/// <param name="Mode">The broker's mode.</param>
/// <param name="Fd">The container fd (group modes) or iommufd fd (cdev modes), close-on-exec; the caller closes or adopts it.</param>
/// <param name="IoasId">The IOAS id in cdev mode, exactly the broker's 32 bits; null otherwise.</param>
public readonly record struct SharedDmaSpace(VfioMode Mode, int Fd, uint? IoasId);
