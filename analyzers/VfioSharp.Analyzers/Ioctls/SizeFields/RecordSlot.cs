using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace VfioSharp.Analyzers.Ioctls.SizeFields;

/// <summary>Where a tracked record lives, before its field path.</summary>
internal enum SlotRootKind
{
    /// <summary>A struct local of the body: created in it (declared, <c>new</c>, <c>default</c>).</summary>
    Local,

    /// <summary>The memory a pointer local points at, created by a <c>stackalloc</c> stored into it.</summary>
    Pointee,

    /// <summary>A value the control flow graph holds in a capture (an object initializer's instance).</summary>
    Capture,

    /// <summary>Fields of <c>this</c>: created elsewhere, or in this body.</summary>
    This,
}

/// <summary>The identity of a storage location: a root and the struct fields leading from it.</summary>
internal sealed class RecordSlot : IEquatable<RecordSlot>
{
    private RecordSlot(SlotRootKind kind, ISymbol? symbol, CaptureId? capture, ImmutableArray<IFieldSymbol> path)
    {
        Kind = kind;
        Symbol = symbol;
        Capture = capture;
        Path = path;
    }

    public SlotRootKind Kind { get; }

    /// <summary>The local (or pointer local) of a local or pointee root.</summary>
    public ISymbol? Symbol { get; }

    public CaptureId? Capture { get; }

    public ImmutableArray<IFieldSymbol> Path { get; }

    public static RecordSlot Local(ILocalSymbol local) => new(SlotRootKind.Local, local, null, ImmutableArray<IFieldSymbol>.Empty);

    public static RecordSlot Pointee(ILocalSymbol pointer) => new(SlotRootKind.Pointee, pointer, null, ImmutableArray<IFieldSymbol>.Empty);

    public static RecordSlot Captured(CaptureId capture) => new(SlotRootKind.Capture, null, capture, ImmutableArray<IFieldSymbol>.Empty);

    public static RecordSlot This() => new(SlotRootKind.This, null, null, ImmutableArray<IFieldSymbol>.Empty);

    public RecordSlot Append(IFieldSymbol field) => new(Kind, Symbol, Capture, Path.Add(field));

    /// <summary>The slot <paramref name="suffix"/> below this one.</summary>
    public RecordSlot Concat(ImmutableArray<IFieldSymbol> suffix) => new(Kind, Symbol, Capture, Path.AddRange(suffix));

    public bool SameRoot(RecordSlot other)
        => Kind == other.Kind
           && SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol)
           && Nullable.Equals(Capture, other.Capture);

    /// <summary>Whether this slot is <paramref name="other"/> or contains it.</summary>
    public bool Contains(RecordSlot other)
    {
        if (!SameRoot(other) || Path.Length > other.Path.Length)
        {
            return false;
        }

        for (var i = 0; i < Path.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(Path[i], other.Path[i]))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(RecordSlot? other) => other is not null && Path.Length == other.Path.Length && Contains(other);

    public override bool Equals(object? obj) => Equals(obj as RecordSlot);

    public override int GetHashCode()
    {
        var hash = ((int)Kind * 397) ^ (Symbol is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(Symbol)) ^ (Capture?.GetHashCode() ?? 0);
        foreach (var field in Path)
        {
            hash = (hash * 31) ^ SymbolEqualityComparer.Default.GetHashCode(field);
        }

        return hash;
    }
}

/// <summary>A record passed by address to a raw ioctl whose request names a size field, followed by the flow.</summary>
internal sealed class TrackedRecord
{
    public TrackedRecord(RecordSlot slot, string sizeField)
    {
        Slot = slot;
        SizeField = sizeField;
    }

    public RecordSlot Slot { get; }

    /// <summary>The member the caller must fill (<c>argsz</c>, <c>size</c>).</summary>
    public string SizeField { get; }

    /// <summary>Whether a store to <paramref name="target"/> writes this record's size field (or part of it).</summary>
    public bool IsSizeFieldStore(RecordSlot target)
        => Slot.Contains(target) && target.Path.Length > Slot.Path.Length && target.Path[Slot.Path.Length].Name == SizeField;
}
