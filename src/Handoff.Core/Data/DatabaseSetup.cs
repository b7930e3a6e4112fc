using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Data;

/// <summary>Registers the database from configuration: SQLite by default, PostgreSQL by one switch.</summary>
public static class DatabaseSetup
{
    public const string ConnectionStringName = "Handoff";

    public static IServiceCollection AddHandoffData(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<HandoffOptions>(configuration.GetSection(HandoffOptions.Section));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Notifications.WebhookInterest>();

        // Read when the first context is built, so that hosts and tests can still change configuration after this call.
        services.AddDbContextPool<HandoffDb>((provider, db) =>
        {
            var options = provider.GetRequiredService<IOptions<HandoffOptions>>().Value;
            var connectionString = ResolveConnectionString(options, provider.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName));
            Configure(db, options.Database.Provider, connectionString);
            if (options.Database.Provider != DatabaseProvider.Postgres && provider.GetService<SqliteWriteGate>() is { } gate)
            {
                db.AddInterceptors(new SqliteWriteTurns(gate));
            }
        });
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
                _ = SqliteLibraryMode.Value;
                db.UseSqlite(connectionString, o => o.MigrationsAssembly("Handoff.Migrations.Sqlite"));
                db.AddInterceptors(SqlitePragmas.Instance);
                break;
        }

        db.UseSnakeCaseNamingConvention();
    }

    /// <summary>
    /// The SQLite library's process-wide setting, made once before it opens its first database: no memory statistics
    /// (a global mutex around every allocation of every connection, for counters Handoff never reads). SQLite refuses
    /// it once it has initialized (a tool that opened a connection first): it then keeps its default. Its threading
    /// mode stays serialized: multi-thread mode (no mutex per connection) saved a little more, but one connection used
    /// on two threads at once would then be undefined behaviour rather than a wait, and no test can prove that never happens.
    /// </summary>
    private static readonly Lazy<bool> SqliteLibraryMode = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0) == SQLitePCL.raw.SQLITE_OK;
    });

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
    /// What every SQLite connection sets when it opens. synchronous=NORMAL in WAL mode (set once at migration) loses no
    /// committed transaction when the process crashes, only on power loss, and saves an fsync per commit. After a
    /// checkpoint the log is trimmed to 256 MiB, well above the 64 MiB at which the checkpoint worker starts it over (trimming
    /// it each time slowed the next commit). Concurrent writers wait for the lock (Microsoft.Data.Sqlite retries
    /// SQLITE_BUSY until the command timeout).
    /// </summary>
    internal const string SqliteConnectionPragmas = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=268435456;";

    /// <summary>Sets <see cref="SqliteConnectionPragmas"/> on every connection EF opens.</summary>
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
            command.CommandText = SqliteConnectionPragmas;
            command.ExecuteNonQuery();
        }
    }
}
