using System.Collections.Concurrent;
using System.Data.Common;
using Npgsql;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Many rows of one table in one INSERT, on PostgreSQL: each column's values travel as one array and unnest() turns the
/// arrays back into rows (<c>INSERT INTO t (a, b) SELECT * FROM unnest(@p0, @p1)</c>). For every statement PostgreSQL
/// reads its messages, binds its parameters, starts and ends an executor and answers; a write batch's turn of filings
/// ran about ten statements per filing, and with this it runs one per table. The text does not depend on how many
/// rows there are, so the connection prepares it once. Each array's element type and PostgreSQL type come from the
/// column's EF Core type mapping, and the values are the ones its single-row INSERT was bound with.
/// </summary>
internal static class ArrayInsert
{
    private static readonly ConcurrentDictionary<AddedRows.TablePlan, Plan> Plans = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The statement inserting <paramref name="rows"/>, all bound for <paramref name="table"/>; null if the batch is not
    /// PostgreSQL's or a value does not fit its column's array, when the rows must go one INSERT each.
    /// </summary>
    public static DbBatchCommand? Statement(DbBatch batch, AddedRows.TablePlan table, IReadOnlyList<AddedRows.BoundInsert> rows)
    {
        if (batch is not NpgsqlBatch)
        {
            return null;
        }

        var plan = Plans.GetOrAdd(table, Plan.For);
        var statement = AddedRows.Statement(batch, plan.Sql);
        for (var column = 0; column < plan.Columns.Count; column++)
        {
            if (plan.Columns[column].Values(rows, column) is not { } values)
            {
                return null;
            }

            statement.Parameters.Add(new NpgsqlParameter(plan.Columns[column].Name, values) { DataTypeName = plan.Columns[column].ArrayType });
        }

        return statement;
    }

    private sealed record Plan(string Sql, IReadOnlyList<ColumnArray> Columns)
    {
        public static Plan For(AddedRows.TablePlan table) => new(
            $"{table.Into} SELECT * FROM unnest({string.Join(", ", table.Columns.Select(c => c.Placeholder))})",
            [.. table.Columns.Select(ColumnArray.For)]);
    }

    /// <summary>One column's values as an array: of the type its mapping hands to the provider, nullable if the column is.</summary>
    private sealed record ColumnArray(string Name, string ArrayType, Type ElementType, Type ValueType)
    {
        public static ColumnArray For(AddedRows.ColumnPlan column)
        {
            var type = column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
            var element = type.IsValueType && column.Property.IsNullable && Nullable.GetUnderlyingType(type) is null
                ? typeof(Nullable<>).MakeGenericType(type)
                : type;
            return new(column.ParameterName, column.Mapping.StoreTypeNameBase + "[]", element, Nullable.GetUnderlyingType(type) ?? type);
        }

        /// <summary>The rows' values of this column, or null if one does not fit the array.</summary>
        public Array? Values(IReadOnlyList<AddedRows.BoundInsert> rows, int column)
        {
            var values = Array.CreateInstance(ElementType, rows.Count);
            for (var row = 0; row < rows.Count; row++)
            {
                switch (rows[row].Parameters[column].Value)
                {
                    case null or DBNull when !ElementType.IsValueType || ElementType != ValueType:
                        break; // the array's default, null
                    case { } value when ValueType.IsInstanceOfType(value):
                        values.SetValue(value, row);
                        break;
                    default:
                        return null;
                }
            }

            return values;
        }
    }
}
