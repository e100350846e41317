using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VfioSharp.Generator.Tests.Infrastructure;
using VfioSharp.Model.Records;
using VfioSharp.Scanner.Tests.Infrastructure;
using VfioSharp.Scanner.Tests.Oracle;

namespace VfioSharp.Generator.Tests.Layout;

/// <summary>
/// The compiled bindings, read back through the CLR (Unsafe.SizeOf, Marshal.OffsetOf, the bitfield
/// properties), against what gcc computes for the same headers: correctness comes from gcc, never
/// from the model or the emitter.
/// </summary>
public sealed class GeneratedLayoutTests
{
    [Theory]
    [MemberData(nameof(HeaderSets.All), MemberType = typeof(HeaderSets))]
    public void Every_struct_size_field_offset_and_bitfield_position_equals_gccs(string set)
    {
        var bindings = GeneratedBindings.Get(set);
        var gcc = GccOracle.Measure(bindings.Root, bindings.Headers, System.Text.Json.JsonDocument.Parse(bindings.ModelText).RootElement);

        var mismatches = new List<string>();
        var compared = 0;
        foreach (var record in bindings.Model.Records.Where(r => !r.Anonymous))
        {
            var type = bindings.Assembly.GetType(GeneratedBindings.Namespace + "." + record.Name)
                ?? throw new InvalidOperationException("no generated type for " + record.Name);
            Compare("size " + record.Name, SizeOf(type));
            foreach (var field in record.Fields)
            {
                var key = record.Name + "." + field.Name;
                if (field.BitWidth is int)
                {
                    Compare("bits " + key, BitPosition(type, field));
                }
                else if (field.Flexible)
                {
                    Compare("offset " + key, FlexibleOffset(type, field));
                }
                else
                {
                    Compare("offset " + key, Marshal.OffsetOf(type, field.Name).ToString(CultureInfo.InvariantCulture));
                    Compare("fsize " + key, SizeOf(type.GetField(field.Name)!.FieldType));
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(40)));
        Assert.True(compared > 100 || set == HeaderSets.EdgeCases && compared > 50, $"only {compared} values compared");

        void Compare(string key, string clr)
        {
            compared++;
            if (!gcc.TryGetValue(key, out var expected) || expected != clr)
            {
                mismatches.Add($"{key}: CLR {clr}, gcc {expected ?? "(none)"}");
            }
        }
    }

    private static string SizeOf(Type type) =>
        ((int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!).ToString(CultureInfo.InvariantCulture);

    /// <summary>Where the flexible-array accessor's span starts, through a probe compiled with the bindings.</summary>
    private static string FlexibleOffset(Type type, FieldModel field)
    {
        var probes = type.Assembly.GetType(GeneratedBindings.Namespace + ".Probes.FlexibleOffsets")!;
        var probe = probes.GetMethod(type.Name + "__" + field.Name)!;
        return ((long)probe.Invoke(null, null)!).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Sets the bitfield through its property on a zeroed struct and finds its bits, as the C oracle does.</summary>
    private static string BitPosition(Type type, FieldModel field)
    {
        var probe = typeof(GeneratedLayoutTests).GetMethod(nameof(SetAllBits), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        var bytes = (byte[])probe.Invoke(null, [field.Name])!;
        long first = -1, count = 0;
        for (var i = 0; i < bytes.Length * 8; i++)
        {
            if ((bytes[i / 8] & (1 << (i % 8))) != 0)
            {
                if (first < 0)
                {
                    first = i;
                }

                count++;
            }
        }

        return first.ToString(CultureInfo.InvariantCulture) + " " + count.ToString(CultureInfo.InvariantCulture);
    }

    private static byte[] SetAllBits<T>(string name)
        where T : unmanaged
    {
        object boxed = default(T);
        var property = typeof(T).GetProperty(name)!;
        property.SetValue(boxed, AllOnes(property.PropertyType));
        var value = (T)boxed;
        return MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value)).ToArray();
    }

    /// <summary>The value with every bit set, of the property's own type (boxed: no conversions between branches).</summary>
    private static object AllOnes(Type type)
    {
        if (type == typeof(bool))
        {
            return true;
        }

        if (type.IsEnum)
        {
            return Enum.ToObject(type, -1L);
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.UInt64 => ulong.MaxValue,
            TypeCode.Int64 => -1L,
            TypeCode.UInt32 => uint.MaxValue,
            TypeCode.Int32 => -1,
            TypeCode.UInt16 => ushort.MaxValue,
            TypeCode.Int16 => (short)-1,
            TypeCode.Byte => byte.MaxValue,
            TypeCode.SByte => (sbyte)-1,
            _ => throw new NotSupportedException(type.Name),
        };
    }
}
