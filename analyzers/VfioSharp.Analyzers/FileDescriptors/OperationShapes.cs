using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>Small questions about operations that several analyses of this rule ask.</summary>
internal static class OperationShapes
{
    /// <summary>
    /// Whether the value is the compile-time constant 0 (or <c>default</c>): storing it leaves an
    /// fd exactly where a zeroed allocation leaves it.
    /// </summary>
    public static bool IsConstantZero(IOperation? value)
    {
        if (value is null || !value.ConstantValue.HasValue)
        {
            return false;
        }

        return value.ConstantValue.Value switch
        {
            int i => i == 0,
            long l => l == 0,
            uint u => u == 0,
            ulong u => u == 0,
            short s => s == 0,
            ushort s => s == 0,
            byte b => b == 0,
            sbyte b => b == 0,
            IntPtr p => p == IntPtr.Zero,
            _ => false,
        };
    }

    /// <summary>Whether the operation is <c>this</c> (explicit or implicit) of the containing type.</summary>
    public static bool IsThis(IOperation? operation)
        => operation is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    /// <summary>The operation without the conversions wrapped around it.</summary>
    public static IOperation SkipConversions(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>The member of a field or property reference, as declared (original definition).</summary>
    public static ISymbol? ReferencedMember(IOperation? operation)
        => operation switch
        {
            IFieldReferenceOperation field => field.Field.OriginalDefinition,
            IPropertyReferenceOperation property => property.Property.OriginalDefinition,
            _ => null,
        };

    /// <summary>The top of the operation tree that holds <paramref name="operation"/>.</summary>
    public static IOperation RootOf(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    /// <summary>Whether Roslyn can build a control flow graph from a root of this kind.</summary>
    public static bool HasControlFlowGraph(IOperation root)
        => root is IMethodBodyOperation or IConstructorBodyOperation or IFieldInitializerOperation
            or IPropertyInitializerOperation or IBlockOperation;

    /// <summary>The lambda or local function that directly encloses <paramref name="operation"/>, if any.</summary>
    public static IMethodSymbol? EnclosingFunction(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
                case ILocalFunctionOperation localFunction:
                    return localFunction.Symbol;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the statement is a call to a method that never returns: one marked
    /// <c>[DoesNotReturn]</c> (the .NET convention for throw helpers), or one of this compilation
    /// whose whole body is a <c>throw</c>.
    /// </summary>
    public static bool CallsMethodThatNeverReturns(IOperation operation)
    {
        if (operation is IExpressionStatementOperation statement)
        {
            operation = statement.Operation;
        }

        if (operation is not IInvocationOperation { TargetMethod: var method })
        {
            return false;
        }

        method = method.OriginalDefinition;
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "DoesNotReturnAttribute" } attributeClass
                && attributeClass.ContainingNamespace.ToDisplayString() == "System.Diagnostics.CodeAnalysis")
            {
                return true;
            }
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var body = reference.GetSyntax() switch
            {
                MethodDeclarationSyntax declaration => (SyntaxNode?)declaration.ExpressionBody?.Expression ?? declaration.Body,
                LocalFunctionStatementSyntax local => (SyntaxNode?)local.ExpressionBody?.Expression ?? local.Body,
                _ => null,
            };
            if (body is ThrowExpressionSyntax || (body is BlockSyntax block && block.Statements.Count == 1 && block.Statements[0] is ThrowStatementSyntax))
            {
                return true;
            }
        }

        return false;
    }
}
