using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>Recognizes the operations of one control flow graph that read a mode variable.</summary>
internal sealed class ModeVariableResolver
{
    private readonly MethodShape _shape;
    private readonly Dictionary<CaptureId, ModeVariable?> _captures = new();

    public ModeVariableResolver(MethodShape shape) => _shape = shape;

    /// <summary>
    /// Remembers that a flow capture holds a mode variable (a switch's governing value is captured
    /// once and tested by every case). A capture written from anything else is no mode variable.
    /// </summary>
    public void RecordCapture(IFlowCaptureOperation capture)
    {
        var variable = Resolve(capture.Value);
        if (_captures.TryGetValue(capture.Id, out var known))
        {
            if (known is not null && !known.Equals(variable))
            {
                _captures[capture.Id] = null;
            }
        }
        else
        {
            _captures[capture.Id] = variable;
        }
    }

    public ModeVariable? Resolve(IOperation? operation)
    {
        operation = StripValueConversions(operation);
        switch (operation)
        {
            case IFlowCaptureReferenceOperation capture:
                return _captures.TryGetValue(capture.Id, out var captured) ? captured : null;
            case ILocalReferenceOperation local when !local.Local.IsRef && IsStableVariable(local.Local):
                return Create(local.Local, null, local.Local.Type);
            case IParameterReferenceOperation parameter
                when parameter.Parameter.RefKind is RefKind.None or RefKind.In && IsStableVariable(parameter.Parameter):
                return Create(parameter.Parameter, null, parameter.Parameter.Type);
            case IFieldReferenceOperation field when !_shape.IsWritten(field.Field) && !_shape.IsAliased(field.Field)
                                                     && TryGetStableReceiver(field.Instance, out var fieldReceiver):
                return Create(field.Field, fieldReceiver, field.Field.Type);
            case IPropertyReferenceOperation { Arguments.Length: 0 } property when !_shape.IsWritten(property.Property)
                                                                                 && TryGetStableReceiver(property.Instance, out var propertyReceiver):
                return Create(property.Property, propertyReceiver, property.Property.Type);
            default:
                return null;
        }
    }

    /// <summary>Drops conversions that keep the value comparable (enum to number, widening, boxing to compare with a constant).</summary>
    public static IOperation? StripValueConversions(IOperation? operation)
    {
        while (operation is IConversionOperation { OperatorMethod: null } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private bool IsStableVariable(ISymbol symbol) => !_shape.IsAliased(symbol) && !_shape.IsWrittenInNestedFunction(symbol);

    private bool TryGetStableReceiver(IOperation? instance, out ISymbol? receiver)
    {
        receiver = null;
        switch (instance)
        {
            case null:
                return true;
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                return true;
            case ILocalReferenceOperation local when !local.Local.IsRef && !_shape.IsWritten(local.Local) && !_shape.IsAliased(local.Local):
                receiver = local.Local;
                return true;
            case IParameterReferenceOperation parameter when parameter.Parameter.RefKind is RefKind.None or RefKind.In
                                                             && !_shape.IsWritten(parameter.Parameter) && !_shape.IsAliased(parameter.Parameter):
                receiver = parameter.Parameter;
                return true;
            default:
                return false;
        }
    }

    private static ModeVariable? Create(ISymbol member, ISymbol? receiver, ITypeSymbol type)
    {
        var underlying = type is INamedTypeSymbol { EnumUnderlyingType: { } enumUnderlying } ? enumUnderlying : type;
        switch (underlying.SpecialType)
        {
            case SpecialType.System_Boolean:
                return new ModeVariable(member, receiver, isBoolean: true);
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Char:
            case SpecialType.System_String:
                return new ModeVariable(member, receiver, isBoolean: false);
            default:
                return null;
        }
    }
}
