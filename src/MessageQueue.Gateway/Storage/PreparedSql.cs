using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// Prepared statements on the store writer's own connection, for its hot paths. The SQL is plain and values go
/// through the model's own converters, so another provider reads the rows EF Core wrote.
/// </summary>
internal static class PreparedSql
{
    public static DbCommand Prepare(DbConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var name in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>Runs a prepared statement inside the batch's transaction with values in parameter order.</summary>
    public static int Execute(DbCommand command, IDbContextTransaction transaction, params object?[] values)
    {
        Bind(command, transaction, values);
        return command.ExecuteNonQuery();
    }

    /// <summary>Runs a prepared statement that returns one value (RETURNING), inside the batch's transaction.</summary>
    public static object? Scalar(DbCommand command, IDbContextTransaction transaction, params object?[] values)
    {
        Bind(command, transaction, values);
        return command.ExecuteScalar();
    }

    public static ValueConverter? Converter<TEntity>(MessageQueueDbContext db, string property) =>
        db.Model.FindEntityType(typeof(TEntity))!.FindProperty(property)!.GetTypeMapping().Converter;

    /// <summary>Binds values in parameter order and enlists the command in the batch's transaction, for a reader.</summary>
    public static void Bind(DbCommand command, IDbContextTransaction transaction, params object?[] values)
    {
        command.Transaction = transaction.GetDbTransaction();
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    public static object ToProvider(this ValueConverter? converter, object value) => converter?.ConvertToProvider(value) ?? value;
}
