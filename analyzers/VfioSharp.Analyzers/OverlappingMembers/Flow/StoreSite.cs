using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// A place in the code that writes part of a union: an assignment, or a call that fills storage
/// passed by ref, out or pointer. One site per operation and union, numbered in discovery order so
/// that flow states compare and sort deterministically.
/// </summary>
internal sealed class StoreSite
{
    public StoreSite(int id, IOperation operation, MemberAccess access)
    {
        Id = id;
        Operation = operation;
        Access = access;
    }

    public int Id { get; }

    /// <summary>The assignment target or the argument: where a diagnostic about this store points.</summary>
    public IOperation Operation { get; }

    public MemberAccess Access { get; }
}
