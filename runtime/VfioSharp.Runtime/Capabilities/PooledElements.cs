using System.Buffers;

namespace VfioSharp.Capabilities;

/// <summary>
/// Elements an ioctl wrote into a caller-supplied array (e.g. <c>IOMMU_IOAS_IOVA_RANGES</c>'s IOVA ranges),
/// in a pooled buffer. Dispose returns the buffer; <see cref="Span"/> is invalid afterwards.
/// </summary>
/// <typeparam name="T">The element record.</typeparam>
public struct PooledElements<T> : IDisposable
    where T : unmanaged
{
    private T[]? _buffer;
    private int _count;

    internal PooledElements(T[] buffer, int count)
    {
        _buffer = buffer;
        _count = count;
    }

    /// <summary>The elements the kernel wrote.</summary>
    public readonly ReadOnlySpan<T> Span => (_buffer ?? throw new ObjectDisposedException(nameof(PooledElements<T>))).AsSpan(0, _count);

    /// <summary>The whole rented buffer, for the kernel to write into.</summary>
    public readonly Span<T> Buffer => (_buffer ?? throw new ObjectDisposedException(nameof(PooledElements<T>))).AsSpan();

    /// <summary>The same buffer, with its first <paramref name="count"/> elements as the result.</summary>
    public readonly PooledElements<T> Take(int count) =>
        new(_buffer ?? throw new ObjectDisposedException(nameof(PooledElements<T>)), Math.Clamp(count, 0, _buffer.Length));

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        _count = 0;
        if (buffer is not null)
        {
            ArrayPool<T>.Shared.Return(buffer);
        }
    }
}

/// <summary>Renting <see cref="PooledElements{T}"/>.</summary>
public static class PooledElements
{
    /// <summary>Rents room for at least <paramref name="capacity"/> elements, zeroed.</summary>
    public static PooledElements<T> Rent<T>(int capacity)
        where T : unmanaged
    {
        var buffer = ArrayPool<T>.Shared.Rent(Math.Max(1, capacity));
        Array.Clear(buffer);
        return new PooledElements<T>(buffer, 0);
    }
}
