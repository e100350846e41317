namespace VfioSharp.Sharing;

/// <summary>What a sharing frame asks or answers (runtime/SHARING.md). A reply is its request's kind with bit 7 set.</summary>
public enum SharingMessageKind : ushort
{
    /// <summary>Not a message: a zeroed frame.</summary>
    None = 0,

    /// <summary>Worker → broker: protocol version; the reply names the broker's mode. No fds.</summary>
    Hello = 1,

    /// <summary>Worker → broker: the DMA space. Reply: the container fd (group modes) or the iommufd fd and the IOAS id (cdev modes).</summary>
    GetDmaSpace = 2,

    /// <summary>Worker → broker: a device by PCI address (text). Reply: its device fd, bound and attached.</summary>
    GetDevice = 3,

    /// <summary>Broker → worker: reply to <see cref="Hello"/>.</summary>
    HelloReply = 0x81,

    /// <summary>Broker → worker: reply to <see cref="GetDmaSpace"/>, one fd.</summary>
    DmaSpaceReply = 0x82,

    /// <summary>Broker → worker: reply to <see cref="GetDevice"/>, one fd.</summary>
    DeviceReply = 0x83,

    /// <summary>Broker → worker: the request failed; status is an errno, text says why. No fds.</summary>
    Error = 0xff,
}
