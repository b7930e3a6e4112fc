using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Data;

/// <summary>Registers the database from configuration: SQLite by default, PostgreSQL by one switch.</summary>
public static class DatabaseSetup
{
    public const string ConnectionStringName = "Handoff";

    public static IServiceCollection AddHandoffData(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HandoffOptions.Section).Get<HandoffOptions>() ?? new HandoffOptions();
        services.Configure<HandoffOptions>(configuration.GetSection(HandoffOptions.Section));
        var connectionString = ResolveConnectionString(options, configuration.GetConnectionString(ConnectionStringName));
        services.AddDbContextPool<HandoffDb>(db => Configure(db, options.Database.Provider, connectionString));
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static void Configure(DbContextOptionsBuilder db, DatabaseProvider provider, string connectionString)
    {
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                db.UseNpgsql(connectionString, o => o.MigrationsAssembly("Handoff.Migrations.Postgres"));
                break;
            default:
                db.UseSqlite(connectionString, o => o.MigrationsAssembly("Handoff.Migrations.Sqlite"));
                db.AddInterceptors(SqlitePragmas.Instance);
                break;
        }

        db.UseSnakeCaseNamingConvention();
    }

    /// <summary>The configured connection string, or for SQLite a file in the data directory.</summary>
    public static string ResolveConnectionString(HandoffOptions options, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (options.Database.Provider == DatabaseProvider.Postgres)
        {
            throw new InvalidOperationException(
                "Handoff:Database:Provider is Postgres but ConnectionStrings:Handoff is not set. " +
                "Set it, e.g. ConnectionStrings__Handoff='Host=127.0.0.1;Database=handoff;Username=handoff;Password=...'.");
        }

        var directory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(directory);
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "handoff.db") }.ToString();
    }

    /// <summary>
    /// WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode loses no committed data on a
    /// process crash (only on power loss); busy_timeout makes concurrent writers wait instead of failing.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = IsReadOnly(connection)
                ? "PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;"
                : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
            command.ExecuteNonQuery();
        }

        /// <summary>
        /// EF Core checks that a database exists over a read-only connection; switching a file that is not yet in
        /// WAL mode (empty, or made elsewhere) to WAL there is a write and fails with "readonly database".
        /// </summary>
        private static bool IsReadOnly(DbConnection connection) =>
            new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly;
    }
}
