using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Bodies;

/// <summary>The operations of one kind in a <see cref="BodyOperations"/>, in source order; enumerate with <c>foreach</c>.</summary>
internal readonly struct OperationRange<T>
    where T : class, IOperation
{
    private readonly IOperation[] _operations;
    private readonly int _start;
    private readonly int _end;

    public OperationRange(IOperation[] operations, int start, int end)
    {
        _operations = operations;
        _start = start;
        _end = end;
    }

    public int Count => _end - _start;

    public Enumerator GetEnumerator() => new(_operations, _start, _end);

    /// <summary>A struct enumerator: walking a range allocates nothing.</summary>
    public struct Enumerator
    {
        private readonly IOperation[] _operations;
        private readonly int _end;
        private int _index;

        public Enumerator(IOperation[] operations, int start, int end)
        {
            _operations = operations;
            _index = start - 1;
            _end = end;
        }

        public readonly T Current => (T)_operations[_index];

        public bool MoveNext() => ++_index < _end;
    }
}
