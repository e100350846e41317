using VfioSharp.Model.Ioctls;

namespace VfioSharp.Scanner.IoctlTable;

/// <summary>One row of the checked-in ioctl table: facts established from the kernel's handler.</summary>
internal sealed record IoctlTableEntry(
    string Name,
    FdKind FdKind,
    string? Argument,
    ArgumentKind ArgumentKind,
    ArgumentPassing Passing,
    ArgumentDirection? Direction,
    IoctlReturn Returns,
    FdKind? ReturnedFdKind,
    ReplyProtocol ReplyProtocol,
    string Handler);
