namespace LlmOps.Lifecycle;

/// <summary>The type a schema field's values must have.</summary>
public enum FieldType
{
    Text,
    WholeNumber,
    Number,
    Boolean,
    DateTime,
}
