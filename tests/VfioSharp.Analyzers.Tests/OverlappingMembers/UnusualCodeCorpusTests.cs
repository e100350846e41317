using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// Unusual C# that touches unions without misusing them: the analysis must neither report nor
/// fail (no AD0001, no swallowed internal error) on any of it.
/// </summary>
public sealed class UnusualCodeCorpusTests
{
    private const string Corpus = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        using System.Threading;
        using System.Threading.Tasks;

        [StructLayout(LayoutKind.Explicit, Size = 16)]
        struct Word
        {
            [FieldOffset(0)] public ulong raw;
            [FieldOffset(0)] public uint low;
            [FieldOffset(4)] public uint high;
            [FieldOffset(0)] public byte first;
            [FieldOffset(8)] public double real;
            [FieldOffset(8)] public char letter;
            [FieldOffset(12)] public DayOfWeek day;

            public readonly ulong Raw => raw;
            public uint Low { get => low; set => low = value; }
            public static Word operator +(Word a, Word b) => new Word { raw = a.raw + b.raw };
            public static implicit operator ulong(Word w) => w.raw;
            public override readonly string ToString() => raw.ToString();
        }

        unsafe struct WithBuffer
        {
            public int count;
            public fixed byte data[12];
        }

        [StructLayout(LayoutKind.Explicit)]
        unsafe struct BufferUnion
        {
            [FieldOffset(0)] public WithBuffer buffer;
            [FieldOffset(0)] public long head;
            [FieldOffset(0)] public void* pointer;
            [FieldOffset(8)] public delegate*<int, int> callback;
        }

        [InlineArray(4)]
        struct FourWords { private Word element; }

        struct Wrapper<T> where T : struct { public T value; public int tag; }

        record struct Tagged(int Tag, Word Word);

        ref struct WordView
        {
            public ref Word word;
            public WordView(ref Word w) { word = ref w; }
            public uint Low() => word.low;
        }

        sealed class Holder
        {
            public Word word;
            public Word[] words = new Word[2];
            public FourWords four;
            public Holder? next;
            public Word Property { get; set; }
            public ref Word Ref() => ref word;
            public Word this[int i] { get => words[i]; set => words[i] = value; }
            public event Action? Changed;
            public void Raise() => Changed?.Invoke();
        }

        static class Corpus
        {
            static Word s_word;
            static readonly object s_gate = new();

            static T Identity<T>(T value) => value;

            static void Generic<T>(ref Wrapper<T> w, T value) where T : struct
            {
                w.value = value;
                w.tag++;
            }

            static ulong Generics()
            {
                var w = new Wrapper<Word>();
                w.value.low = 1;
                w.value.high = 2;
                Generic(ref w, new Word { raw = 3 });
                var copy = Identity(w.value);
                return copy.raw + w.value.raw + w.value.low;
            }

            static unsafe ulong Pointers(Word* words, int n)
            {
                ulong sum = 0;
                for (var p = words; p < words + n; p++)
                {
                    sum += p->raw;
                    p[0].low = 1;
                }

                Word local = default;
                Word* q = &local;
                q->raw = 7;
                void* untyped = q;
                ((Word*)untyped)->raw = 8;
                byte* bytes = (byte*)q;
                bytes[3] = 1;
                sum += local.raw;
                Word* many = stackalloc Word[4];
                many[1].raw = 3;
                sum += many[1].raw;
                Span<Word> span = stackalloc Word[2];
                span[0].raw = 9;
                ref Word first = ref span[0];
                first.low = 2;
                sum += first.low;
                sum += (ulong)sizeof(Word);
                return sum;
            }

            static unsafe int Buffers(ref BufferUnion u)
            {
                u.buffer.count = 3;
                u.buffer.data[0] = 1;
                u.buffer.data[1] = u.buffer.data[0];
                var fixedCopy = u.buffer;
                u.callback = &Twice;
                return fixedCopy.count + u.callback(2);
            }

            static int Twice(int x) => x * 2;

            static unsafe void Fixed(Holder h)
            {
                fixed (Word* p = &h.word)
                {
                    p->low = 1;
                    p->high = 2;
                }

                fixed (Word* a = h.words)
                {
                    a->raw = 4;
                }
            }

            static async Task<ulong> Async(Holder h, CancellationToken token)
            {
                h.word.raw = 1;
                await Task.Delay(1, token);
                h.word.raw <<= 2;
                await Task.Yield();
                return h.word.raw;
            }

            static IEnumerable<uint> Iterator(Holder h)
            {
                h.word.low = 0;
                yield return h.word.low;
                h.word.high = 5;
                yield return h.word.high;
            }

            static ulong LocalFunctions()
            {
                Word w = default;
                SetLow(5);
                static Word Make(ulong raw) => new Word { raw = raw };
                var made = Make(3);
                Func<uint> readLow = () => w.low;
                Action<ulong> setRaw = raw => w.raw = raw;
                setRaw(4);
                return w.raw + made.raw + readLow();

                void SetLow(uint value) => w.low = value;
            }

            static int Patterns(Word w, object o)
            {
                var kind = w switch
                {
                    { raw: 0 } => 0,
                    { low: 1, high: 2 } => 1,
                    { first: > 4 } => 2,
                    _ => 3,
                };

                if (o is Word { low: var low } other && other.high == low)
                    kind++;

                int[] list = [1, 2, 3];
                if (list is [1, .., var last])
                    kind += last;

                return kind;
            }

            static ulong Gotos(Word w, int n)
            {
                var i = 0;
            again:
                w.raw += (ulong)i;
                if (++i < n) goto again;
                switch (n)
                {
                    case 1: goto case 2;
                    case 2: w.raw = 3; break;
                    default: goto done;
                }

            done:
                return w.raw;
            }

            static ulong Exceptions(Holder h)
            {
                try
                {
                    h.word.raw = 1;
                    try
                    {
                        h.word.low = 2;
                        throw new InvalidOperationException();
                    }
                    catch (InvalidOperationException e) when (e.Data.Count == 0)
                    {
                        h.word.raw = 3;
                    }
                    finally
                    {
                        h.word.raw = 4;
                    }
                }
                catch
                {
                    h.word = default;
                    throw;
                }
                finally
                {
                    lock (s_gate)
                    {
                        s_word.raw = h.word.raw;
                    }
                }

                using (var cts = new CancellationTokenSource())
                {
                    h.word.raw = 5;
                }

                return checked(h.word.raw + 1);
            }

            static ulong Tuples(Word a, Word b)
            {
                (a.raw, b.raw) = (b.raw, a.raw);
                var (x, y) = (a.raw, b.raw);
                var tagged = new Tagged(1, a);
                var changed = tagged with { Tag = 2 };
                return x + y + changed.Word.raw;
            }

            static ulong Nullable(Holder? h, Word? maybe)
            {
                var raw = h?.word.raw ?? 0;
                raw += h?.next?.word.low ?? 0;
                if (maybe is { } value) raw += value.raw;
                h ??= new Holder();
                h.next ??= new Holder();
                h.next.word.raw = raw;
                return raw + (maybe?.raw ?? 0);
            }

            static ref Word RefReturns(Holder h, bool pick)
            {
                ref var chosen = ref pick ? ref h.word : ref s_word;
                chosen.raw = 1;
                ref Word other = ref h.Ref();
                other.low = 2;
                return ref chosen;
            }

            static ulong ReadOnlyAndIn(in Word w, scoped ref Word r)
            {
                var view = new WordView(ref r);
                view.word.high = 3;
                return w.Raw + w.raw + view.Low();
            }

            static ulong Properties(Holder h)
            {
                var p = h.Property;
                p.low = 2;
                h.Property = p;
                h[0] = new Word { raw = 1 };
                var item = h[1];
                h.four[0].raw = 3;
                h.four[1] = h.four[0];
                h.Raise();
                var w = h.word;
                w.Low = 3;
                return item.raw + h.Property.raw + h.four[1].raw + (ulong)w + (w + w).raw;
            }

            static object Initializers()
            {
                var h = new Holder { word = { raw = 1 }, next = new Holder { word = new Word { low = 2 } } };
                var anonymous = new { h.word.raw, h.word.low };
                var words = new[] { new Word { raw = 1 }, default };
                var query = from x in words where x.raw > 0 select x.low;
                return (anonymous, query.Sum(x => (long)x), $"{h.word.raw:x} {h.word}");
            }

            static ulong Dynamic(dynamic d)
            {
                Word w = default;
                w.raw = d.Raw;
                return w.raw;
            }

            static ulong Marshalling(Word w)
            {
                var asBytes = MemoryMarshal.AsBytes(new Span<Word>(ref w));
                asBytes[0] = 1;
                ref var asLong = ref Unsafe.As<Word, ulong>(ref w);
                asLong = 2;
                return w.raw;
            }

            static ulong Loops(Holder h, IEnumerable<Word> words)
            {
                ulong total = 0;
                foreach (var w in words)
                {
                    if (w.raw == 0) continue;
                    if (w.raw > 100) break;
                    total += w.low;
                }

                foreach (ref var w in h.words.AsSpan())
                {
                    w.raw++;
                }

                var i = 0;
                do { h.word.raw += (ulong)i; } while (++i < 3);
                while (h.word.raw > 0) { h.word.raw >>= 1; }
                return total;
            }

            static string Modes(Holder h, int mode, string name)
            {
                if (mode == 1 && name == "a") h.word.real = 1;
                if (mode == 1 || name is "b" or "c") h.word.real = 1.5;
                if (mode is > 3 and < 7) h.word.real++;
                if (mode != 2 && name != null) h.word.real *= 2;
                return name switch { "a" => "A", _ => name };
            }
        }
        """;

    [Fact]
    public Task A_library_of_unusual_code_is_analyzed_without_findings_or_failures()
        => VerifyAsync(Corpus);

    [Fact]
    public Task Top_level_statements_with_unions_are_analyzed_without_findings_or_failures()
        => VerifyProgramAsync("""
            using System;
            using System.Runtime.InteropServices;

            Word w = default;
            w.raw = 5;
            Console.WriteLine(w.raw);
            var words = new Word[2];
            words[0].low = 1;
            Print(ref w);
            Console.WriteLine(Local(3));

            static void Print(ref Word w) => Console.WriteLine(w.low);
            ulong Local(ulong x) { w.raw = x; return w.raw; }

            [StructLayout(LayoutKind.Explicit)]
            struct Word
            {
                [FieldOffset(0)] public ulong raw;
                [FieldOffset(0)] public uint low;
            }
            """);
}
