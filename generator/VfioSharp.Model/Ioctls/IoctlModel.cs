namespace VfioSharp.Model.Ioctls
{
    /// <summary>An ioctl request macro: its number, decoded, and what it is called on and with.</summary>
    public sealed record IoctlModel
    {
        /// <summary>The macro's name (<c>VFIO_DEVICE_GET_INFO</c>).</summary>
        public required string Name { get; init; }

        /// <summary>The request number, as the macro evaluates.</summary>
        public required ulong Request { get; init; }

        /// <summary>Decoded <c>_IOC_DIR</c>.</summary>
        public required RequestDirection Direction { get; init; }

        /// <summary>Decoded <c>_IOC_TYPE</c> (VFIO and iommufd use <c>';'</c>, 0x3B).</summary>
        public required int Type { get; init; }

        /// <summary>Decoded <c>_IOC_NR</c>.</summary>
        public required int Number { get; init; }

        /// <summary>Decoded <c>_IOC_SIZE</c> (0 for every VFIO and iommufd ioctl: they use plain <c>_IO</c>).</summary>
        public required int Size { get; init; }

        /// <summary>The fd kind the ioctl is issued on (<see cref="FdKind.Generic"/> outside the table).</summary>
        public required FdKind FdKind { get; init; }

        /// <summary>The argument: a record's model name, a scalar type as spelled in the header, or null.</summary>
        public string? Argument { get; init; }

        /// <summary>What <see cref="Argument"/> is.</summary>
        public required ArgumentKind ArgumentKind { get; init; }

        /// <summary>Which way the argument travels; null without an argument.</summary>
        public ArgumentDirection? ArgumentDirection { get; init; }

        /// <summary>How the argument is passed.</summary>
        public required ArgumentPassing Passing { get; init; }

        /// <summary>What a successful call returns.</summary>
        public required IoctlReturn Returns { get; init; }

        /// <summary>The kind of a returned fd, or null.</summary>
        public FdKind? ReturnedFdKind { get; init; }

        /// <summary>How a variable-size reply is obtained.</summary>
        public required ReplyProtocol ReplyProtocol { get; init; }

        /// <summary>Where the argument facts came from.</summary>
        public required ArgumentSource ArgumentSource { get; init; }

        /// <summary>The argument the kerneldoc names, spelled as there (<c>struct vfio_dma_map</c>), or null.</summary>
        public string? KerneldocArgument { get; init; }

        /// <summary>Where the request macro is defined.</summary>
        public required SourceLocation Location { get; init; }

        /// <summary>Kerneldoc text, or null.</summary>
        public string? Doc { get; init; }
    }
}
