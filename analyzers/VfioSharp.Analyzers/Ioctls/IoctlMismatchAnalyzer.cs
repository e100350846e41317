using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// VFIO004: a raw ioctl call whose argument is not what the request takes (DPDK's sPAPR unmap passed
/// the map record to <c>VFIO_IOMMU_UNMAP_DMA</c>), or whose descriptor is of another kind than the
/// one the request is issued on. The facts come from the request constant's <c>[IoctlRequest]</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IoctlMismatchAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's ID.</summary>
    public const string DiagnosticId = "VFIO004";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "Ioctl argument or fd kind does not match the request",
        messageFormat: "'{0}' takes {1}, but this passes {2}",
        category: "Correctness",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A raw ioctl call passes the kernel a request number, a descriptor and an argument that nothing checks "
                     + "against each other. The ioctl table says which fd kind each request is issued on and which record it "
                     + "takes; a record of another type is read and written with the wrong layout, and a descriptor of another "
                     + "kind runs another ioctl that shares the number or fails. Use the generated typed call, which can't be "
                     + "given either.",
        helpLinkUri: "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/VFIO004.md");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (!KnownSymbols.HasIoctlRequests(start.Compilation))
            {
                return;
            }

            var catalog = new IoctlRequestCatalog();
            start.RegisterOperationAction(c => AnalyzeSafely(c, catalog), OperationKind.Invocation);
        });
    }

    private static void AnalyzeSafely(OperationAnalysisContext context, IoctlRequestCatalog catalog)
    {
        try
        {
            Analyze(context, catalog);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IoctlRuleErrors.Record(DiagnosticId, context.ContainingSymbol, exception);
        }
    }

    private static void Analyze(OperationAnalysisContext context, IoctlRequestCatalog catalog)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (RawIoctlCall.Match(invocation, catalog) is not { } call)
        {
            return;
        }

        LocalDefinitions? definitions = null;
        LocalDefinitions Definitions() => definitions ??= LocalDefinitions.Of(new[] { RootOf(invocation) });

        var request = call.Request;
        var passed = call.Argument is { } argument ? PassedArgument.Classify(argument, Definitions()) : PassedArgument.Unknown;
        var fdOrigin = request.FdKind == FdKinds.Generic ? null : FdOrigin.Of(call.Fd.Value, Definitions, catalog);
        var kindMismatch = fdOrigin is { } origin && origin.Kind != request.FdKind;
        var argumentMismatch = call.Argument is not null && ArgumentMismatch(request, passed) is not null;
        if (!kindMismatch && !argumentMismatch)
        {
            return;
        }

        var fix = FindTypedCall(call, passed, invocation.SemanticModel?.Compilation);
        var additional = new[] { invocation.Syntax.GetLocation() };
        if (kindMismatch)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                call.Fd.Value.Syntax.GetLocation(),
                additional,
                fix,
                request.Name,
                FdKinds.Describe(request.FdKind),
                $"{FdKinds.Describe(fdOrigin!.Value.Kind)} ({fdOrigin.Value.Source})"));
        }

        if (argumentMismatch)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                call.Argument!.Value.Syntax.GetLocation(),
                additional,
                kindMismatch ? ImmutableDictionary<string, string?>.Empty : fix,
                request.Name,
                Expected(request),
                ArgumentMismatch(request, passed)));
        }
    }

    /// <summary>What the passed argument is, when it is not what the request takes; null when it fits or is unknown.</summary>
    private static string? ArgumentMismatch(IoctlRequest request, PassedArgument passed)
    {
        if (request.Argument is not { } expected)
        {
            return null;
        }

        switch (passed.Shape)
        {
            case PassedShape.Pointer when request.PassedByValue:
                return "a pointer to " + Name(passed.Type);
            case PassedShape.Pointer when passed.IsUntypedBuffer && OperationValues.IntegerSize(expected) != 1:
                // Untyped memory (a byte buffer grown for a variable-size reply) may hold anything.
                return null;
            case PassedShape.Pointer when passed.Type is { } type && !Fits(type, expected, 0):
                return "a pointer to " + Name(type);
            case PassedShape.Value when !request.PassedByValue:
                return passed.IsNull ? "a null pointer" : WithArticle(Name(passed.Type)) + " value";
            default:
                return null;
        }
    }

    private static string Expected(IoctlRequest request)
        => request.PassedByValue ? WithArticle(Name(request.Argument)) + " by value" : "a pointer to " + Name(request.Argument);

    /// <summary>
    /// Whether memory of type <paramref name="passed"/> holds what the request expects: the same type, an integer
    /// of the same size, the same C record from another set of bindings, or a struct that begins with it (a
    /// buffer for a variable-size reply).
    /// </summary>
    private static bool Fits(ITypeSymbol passed, ITypeSymbol expected, int depth)
    {
        if (SymbolEqualityComparer.Default.Equals(passed, expected))
        {
            return true;
        }

        var size = OperationValues.IntegerSize(expected);
        if (size != 0)
        {
            return OperationValues.IntegerSize(passed) == size;
        }

        if (passed.TypeKind != TypeKind.Struct || expected.TypeKind != TypeKind.Struct)
        {
            return false;
        }

        if (passed.Name == expected.Name && passed.MetadataName == expected.MetadataName)
        {
            return true;
        }

        return depth < 4 && FirstField(passed) is { } first && Fits(first.Type, expected, depth + 1);
    }

    private static IFieldSymbol? FirstField(ITypeSymbol type)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } field)
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>
    /// The typed call that says what this raw call means, when its types line up: the handle has a specific
    /// handle type, and the request — or another request of the same header with the same number, issued on
    /// that handle's kind (ten numbers are shared) — has a Try call taking what is passed.
    /// </summary>
    private static ImmutableDictionary<string, string?> FindTypedCall(RawIoctlCall call, PassedArgument passed, Compilation? compilation)
    {
        var handle = OperationValues.SkipConversions(call.Fd.Value);
        if (compilation is null || FdKinds.OfHandleType(handle.Type) is not { } handleKind || handle.Type is not { } handleType)
        {
            return ImmutableDictionary<string, string?>.Empty;
        }

        foreach (var candidate in Candidates(call.Request, handleKind))
        {
            if (call.Argument is null && candidate.Argument is not null)
            {
                continue;
            }

            var arguments = ArgumentsFor(candidate, handleType, passed, compilation, out var method);
            if (arguments is null || method is null || TypedIoctlCalls.ClassOf(candidate) is not { } calls)
            {
                continue;
            }

            return ImmutableDictionary<string, string?>.Empty
                .Add(IoctlMismatchFix.MethodKey, method.Name)
                .Add(IoctlMismatchFix.HandleKey, ReceiverText(handle.Syntax))
                .Add(IoctlMismatchFix.ArgumentsKey, arguments)
                .Add(IoctlMismatchFix.NamespaceKey, calls.ContainingNamespace.IsGlobalNamespace ? null : calls.ContainingNamespace.ToDisplayString());
        }

        return ImmutableDictionary<string, string?>.Empty;
    }

    private static IEnumerable<IoctlRequest> Candidates(IoctlRequest request, string handleKind)
    {
        if (request.FdKind == handleKind)
        {
            yield return request;
        }

        if (!request.Field.HasConstantValue || request.Field.ContainingType is not { } header)
        {
            yield break;
        }

        foreach (var member in header.GetMembers())
        {
            if (member is IFieldSymbol { IsConst: true } sibling
                && !SymbolEqualityComparer.Default.Equals(sibling, request.Field)
                && Equals(sibling.ConstantValue, request.Field.ConstantValue)
                && IoctlRequest.Read(sibling) is { } other
                && other.FdKind == handleKind)
            {
                yield return other;
            }
        }
    }

    /// <summary>The argument list of <paramref name="candidate"/>'s Try call that passes what the raw call passed, or null.</summary>
    private static string? ArgumentsFor(IoctlRequest candidate, ITypeSymbol handleType, PassedArgument passed, Compilation compilation, out IMethodSymbol? method)
    {
        method = null;
        if (candidate.Argument is null)
        {
            method = TypedIoctlCalls.TryCall(candidate, handleType, 0);
            return method is null ? null : string.Empty;
        }

        method = TypedIoctlCalls.TryCall(candidate, handleType, 1);
        if (method is null)
        {
            return null;
        }

        var parameter = method.Parameters[1];
        if (passed.Shape == PassedShape.Pointer && passed.Type is { } pointed)
        {
            if (!candidate.PassedByValue && SymbolEqualityComparer.Default.Equals(pointed, parameter.Type))
            {
                var storage = StorageText(passed);
                return storage is null ? null : parameter.RefKind switch
                {
                    RefKind.Ref => "ref " + storage,
                    RefKind.Out => "out " + storage,
                    RefKind.None => storage,
                    _ => null,
                };
            }

            // &type where the request takes the value: pass the value.
            return candidate.PassedByValue && parameter.RefKind == RefKind.None && passed.Storage is not null
                   && compilation.ClassifyCommonConversion(pointed, parameter.Type).IsImplicit
                ? StorageText(passed)
                : null;
        }

        if (passed.Shape == PassedShape.Value && !passed.IsNull && parameter.RefKind == RefKind.None
            && passed.ValueExpression is { Type: { } valueType } value
            && compilation.ClassifyCommonConversion(valueType, parameter.Type).IsImplicit)
        {
            return value.Syntax.ToString();
        }

        return null;
    }

    /// <summary>The variable a pointer argument points at, as an expression: <c>x</c> of <c>&amp;x</c>, or <c>*p</c>.</summary>
    private static string? StorageText(PassedArgument passed)
    {
        if (passed.Storage is { } storage)
        {
            return storage.Syntax.ToString();
        }

        if (passed.PointerExpression is { } pointer)
        {
            return pointer.Syntax is IdentifierNameSyntax or MemberAccessExpressionSyntax or ThisExpressionSyntax
                ? "*" + pointer.Syntax
                : "*(" + pointer.Syntax + ")";
        }

        return null;
    }

    private static string ReceiverText(SyntaxNode syntax)
        => syntax is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ThisExpressionSyntax
            or ElementAccessExpressionSyntax or ParenthesizedExpressionSyntax
            ? syntax.ToString()
            : "(" + syntax + ")";

    private static string Name(ITypeSymbol? type) => type?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "?";

    private static string WithArticle(string noun)
        => noun.Length > 0 && "aeiouAEIOU".IndexOf(noun[0]) >= 0 ? "an " + noun : "a " + noun;

    private static IOperation RootOf(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }
}
