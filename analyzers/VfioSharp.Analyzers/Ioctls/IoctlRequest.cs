using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// What the ioctl table says about one request constant, read from its <c>[VfioSharp.IoctlRequest]</c>
/// attribute: the fd kind it is issued on, its argument type (null: none), how the argument travels,
/// and the record's size field.
/// </summary>
internal sealed class IoctlRequest
{
    private IoctlRequest(IFieldSymbol field, string fdKind, ITypeSymbol? argument, string direction, string? sizeField, bool passedByValue)
    {
        Field = field;
        FdKind = fdKind;
        Argument = argument;
        Direction = direction;
        SizeField = sizeField;
        PassedByValue = passedByValue;
    }

    /// <summary>The request constant (<c>vfio.VFIO_DEVICE_GET_INFO</c>).</summary>
    public IFieldSymbol Field { get; }

    /// <summary>The request's name as C spells it.</summary>
    public string Name => Field.Name;

    /// <summary>The name of the <c>FdKind</c> member the request is issued on (<c>Device</c>, <c>Generic</c>, ...).</summary>
    public string FdKind { get; }

    /// <summary>The argument's type, or null when the request takes none.</summary>
    public ITypeSymbol? Argument { get; }

    /// <summary>The name of the <c>IoctlArgumentDirection</c> member (<c>None</c>, <c>In</c>, <c>Out</c>, <c>InOut</c>).</summary>
    public string Direction { get; }

    /// <summary>The record's size field the caller fills (<c>argsz</c>, <c>size</c>), or null.</summary>
    public string? SizeField { get; }

    /// <summary>Whether the argument is a value (<c>VFIO_SET_IOMMU</c>) rather than a pointer.</summary>
    public bool PassedByValue { get; }

    /// <summary>Whether the request takes an argument through a pointer.</summary>
    public bool TakesPointer => Argument is not null && !PassedByValue;

    /// <summary>Reads the attribute of <paramref name="field"/>, or returns null when it has none or it is malformed.</summary>
    public static IoctlRequest? Read(IFieldSymbol field)
    {
        if (!field.IsConst || !field.IsStatic)
        {
            return null;
        }

        foreach (var attribute in field.GetAttributes())
        {
            if (!KnownSymbols.Is(attribute.AttributeClass, KnownSymbols.RootNamespace, "IoctlRequestAttribute")
                || attribute.ConstructorArguments.Length != 3)
            {
                continue;
            }

            var kind = EnumMemberName(attribute.ConstructorArguments[0]);
            var direction = EnumMemberName(attribute.ConstructorArguments[2]);
            var argumentConstant = attribute.ConstructorArguments[1];
            if (kind is null || direction is null || argumentConstant.Kind is not (TypedConstantKind.Type or TypedConstantKind.Primitive))
            {
                return null;
            }

            var argument = argumentConstant.Kind == TypedConstantKind.Type ? argumentConstant.Value as ITypeSymbol : null;
            if (argument is IErrorTypeSymbol)
            {
                return null;
            }

            string? sizeField = null;
            var passedByValue = false;
            foreach (var named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "SizeField":
                        sizeField = named.Value.Value as string;
                        break;
                    case "PassedByValue":
                        passedByValue = named.Value.Value is true;
                        break;
                }
            }

            return new IoctlRequest(field, kind, argument, direction, string.IsNullOrEmpty(sizeField) ? null : sizeField, passedByValue);
        }

        return null;
    }

    private static string? EnumMemberName(TypedConstant constant)
    {
        if (constant.Kind != TypedConstantKind.Enum || constant.Type is not INamedTypeSymbol type || constant.Value is not { } value)
        {
            return null;
        }

        // An enum constant's value is boxed as the enum's underlying type, like its members' values.
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { HasConstantValue: true } field && Equals(field.ConstantValue, value))
            {
                return member.Name;
            }
        }

        return null;
    }
}

/// <summary>
/// The request constants of one compilation that carry <c>[IoctlRequest]</c>, read once each
/// (across assemblies: the attribute is read from the constant's symbol, wherever it is declared).
/// </summary>
internal sealed class IoctlRequestCatalog
{
    private readonly ConcurrentDictionary<IFieldSymbol, IoctlRequest?> _requests = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IFieldSymbol, string?> _producedKinds = new(SymbolEqualityComparer.Default);

    /// <summary>The request a field names, or null when it is not an annotated request constant.</summary>
    public IoctlRequest? Get(IFieldSymbol field)
    {
        if (!field.IsConst || field.Type.SpecialType is not (SpecialType.System_UInt64 or SpecialType.System_Int64
                or SpecialType.System_UInt32 or SpecialType.System_Int32))
        {
            return null;
        }

        return _requests.GetOrAdd(field.OriginalDefinition, IoctlRequest.Read);
    }

    /// <summary>
    /// The fd kind of the descriptor a request returns (<c>VFIO_GROUP_GET_DEVICE_FD</c>: a device fd),
    /// read from its generated typed call, which returns (or puts out) the handle of that kind; null
    /// when it returns none or no typed call is found.
    /// </summary>
    public string? ProducedKind(IoctlRequest request)
        => _producedKinds.GetOrAdd(request.Field, _ => TypedIoctlCalls.ProducedKind(request));
}
