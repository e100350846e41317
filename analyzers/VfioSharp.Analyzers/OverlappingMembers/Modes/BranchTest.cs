using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// A branch condition read as "mode variable ∈ set": <c>mode == Cdev</c>, <c>mode != Cdev</c>,
/// <c>mode is Group or NoIommu</c>, <c>!isCdev</c>, a switch case. Short-circuit <c>&amp;&amp;</c> and
/// <c>||</c> need no support here: the control flow graph has already split them into branches.
/// </summary>
internal sealed class BranchTest
{
    private BranchTest(ModeVariable variable, ValueSet whenTrue)
    {
        Variable = variable;
        WhenTrue = whenTrue;
    }

    public ModeVariable Variable { get; }

    /// <summary>The values for which the condition is true.</summary>
    public ValueSet WhenTrue { get; }

    public static BranchTest? Parse(IOperation? condition, ModeVariableResolver resolver)
    {
        condition = ModeVariableResolver.StripValueConversions(condition);
        switch (condition)
        {
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not:
                var inner = Parse(not.Operand, resolver);
                return inner is null ? null : new BranchTest(inner.Variable, inner.WhenTrue.Complement());
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals, OperatorMethod: null } binary:
                return ParseComparison(binary, resolver);
            case IIsPatternOperation isPattern:
                var variable = resolver.Resolve(isPattern.Value);
                var set = variable is null ? null : PatternValues(isPattern.Pattern);
                return set is null ? null : new BranchTest(variable!, set);
            default:
                var boolean = resolver.Resolve(condition);
                return boolean is { IsBoolean: true } ? new BranchTest(boolean, ValueSet.Only(true)) : null;
        }
    }

    private static BranchTest? ParseComparison(IBinaryOperation binary, ModeVariableResolver resolver)
    {
        var variable = resolver.Resolve(binary.LeftOperand);
        var constant = binary.RightOperand;
        if (variable is null)
        {
            variable = resolver.Resolve(binary.RightOperand);
            constant = binary.LeftOperand;
        }

        if (variable is null || !constant.ConstantValue.HasValue)
        {
            return null;
        }

        var value = ValueSet.NormalizeConstant(constant.ConstantValue.Value);
        if (value is null)
        {
            return null;
        }

        var set = ValueSet.Only(value);
        return new BranchTest(variable, binary.OperatorKind == BinaryOperatorKind.Equals ? set : set.Complement());
    }

    private static ValueSet? PatternValues(IPatternOperation pattern)
    {
        switch (pattern)
        {
            case IConstantPatternOperation constant when constant.Value.ConstantValue.HasValue:
                var value = ValueSet.NormalizeConstant(constant.Value.ConstantValue.Value);
                return value is null ? null : ValueSet.Only(value);
            case INegatedPatternOperation negated:
                return PatternValues(negated.Pattern)?.Complement();
            case IBinaryPatternOperation binary:
                var left = PatternValues(binary.LeftPattern);
                var right = PatternValues(binary.RightPattern);
                if (left is null || right is null)
                {
                    return null;
                }

                return binary.OperatorKind == BinaryOperatorKind.Or ? left.UnionWith(right) : left.Intersect(right);
            case IDiscardPatternOperation:
                return ValueSet.Any;
            default:
                return null;
        }
    }
}
