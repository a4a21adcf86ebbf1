using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using LlmOps.Errors;

namespace LlmOps.Embeddings;

/// <summary>
/// Search filters on chunks: built from the exact-match filters search takes (<c>language</c>, <c>record</c>, any
/// record field), and translated from a VectorData filter expression into Azure AI Search's OData: equality on the
/// chunk's string properties, <c>Fields.Contains("name=value")</c> as <c>fields/any(t: t eq 'name=value')</c>, joined
/// with <c>&amp;&amp;</c>, <c>||</c> and <c>!</c>. Anything else is refused with the expression named.
/// </summary>
public static class ChunkFilter
{
    private static readonly MethodInfo EnumerableContains = typeof(Enumerable).GetMethods()
        .Single(m => m.Name == nameof(Enumerable.Contains) && m.GetParameters().Length == 2).MakeGenericMethod(typeof(string));

    /// <summary>The expression for exact-match filters (all must hold), or null for none.</summary>
    public static Expression<Func<ChunkDocument, bool>>? FromMatches(IReadOnlyDictionary<string, string>? filters)
    {
        if (filters is null || filters.Count == 0)
        {
            return null;
        }

        var document = Expression.Parameter(typeof(ChunkDocument), "d");
        Expression? body = null;
        foreach (var (name, value) in filters.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Expression condition = name switch
            {
                "language" => Expression.Equal(Expression.Property(document, nameof(ChunkDocument.Language)), Expression.Constant(value, typeof(string))),
                "record" => Expression.Equal(Expression.Property(document, nameof(ChunkDocument.RecordId)), Expression.Constant(value, typeof(string))),
                _ => Expression.Call(EnumerableContains, Expression.Property(document, nameof(ChunkDocument.Fields)), Expression.Constant(ChunkDocument.Tag(name, value))),
            };
            body = body is null ? condition : Expression.AndAlso(body, condition);
        }

        return Expression.Lambda<Func<ChunkDocument, bool>>(body!, document);
    }

    /// <summary>The OData <c>$filter</c> of <paramref name="filter"/>.</summary>
    public static string ToOData(Expression<Func<ChunkDocument, bool>> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var text = new StringBuilder();
        Write(filter.Body, filter.Parameters[0], text);
        return text.ToString();
    }

    private static void Write(Expression node, ParameterExpression document, StringBuilder text)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } logical:
                text.Append('(');
                Write(logical.Left, document, text);
                text.Append(logical.NodeType == ExpressionType.AndAlso ? ") and (" : ") or (");
                Write(logical.Right, document, text);
                text.Append(')');
                return;
            case UnaryExpression { NodeType: ExpressionType.Not } not:
                text.Append("not (");
                Write(not.Operand, document, text);
                text.Append(')');
                return;
            case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual } comparison:
                var (field, value) = FieldOf(comparison.Left, document) is { } left
                    ? (left, comparison.Right)
                    : FieldOf(comparison.Right, document) is { } right ? (right, comparison.Left) : throw Unsupported(node);
                text.Append(field).Append(comparison.NodeType == ExpressionType.Equal ? " eq " : " ne ").Append(Literal(Evaluate(value, document, node)));
                return;
            case MethodCallExpression { Method.Name: "Contains" } call:
                var (collection, item) = call.Object is null ? (call.Arguments[0], call.Arguments[1]) : (call.Object, call.Arguments[0]);
                if (FieldOf(Unwrap(collection), document) != "fields")
                {
                    throw Unsupported(node);
                }

                text.Append("fields/any(t: t eq ").Append(Literal(Evaluate(item, document, node))).Append(')');
                return;
            default:
                throw Unsupported(node);
        }
    }

    /// <summary>C# 14 binds <c>array.Contains(x)</c> to the span overload: the array arrives wrapped in conversions.</summary>
    private static Expression Unwrap(Expression node) => node switch
    {
        MethodCallExpression { Method.Name: "op_Implicit", Arguments: [var inner] } => Unwrap(inner),
        UnaryExpression { NodeType: ExpressionType.Convert } convert => Unwrap(convert.Operand),
        _ => node,
    };

    private static string? FieldOf(Expression node, ParameterExpression document) =>
        node is MemberExpression { Member: PropertyInfo property } member && member.Expression == document
            ? property.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name
            : null;

    private static string? Evaluate(Expression node, ParameterExpression document, Expression whole)
    {
        if (new ParameterFinder(document).Finds(node))
        {
            throw Unsupported(whole);
        }

        return node is ConstantExpression constant
            ? constant.Value as string
            : Expression.Lambda<Func<object?>>(Expression.Convert(node, typeof(object))).Compile(preferInterpretation: true)() is { } value
                ? Convert.ToString(value, CultureInfo.InvariantCulture)
                : null;
    }

    private static string Literal(string? value) => value is null ? "null" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static LlmOpsException Unsupported(Expression node) =>
        LlmOpsException.Invalid($"The vector store filter cannot express `{node}`: use ==, != on the chunk's ids and language, Fields.Contains(\"name=value\"), &&, || and !.");

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        private bool _found;

        public bool Finds(Expression node)
        {
            Visit(node);
            return _found;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            _found |= node == parameter;
            return node;
        }
    }
}
