using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Handoff.Migrations.Postgres;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model for PostgreSQL without a host or a server.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<HandoffDb>
{
    public HandoffDb CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<HandoffDb>();
        DatabaseSetup.Configure(builder, DatabaseProvider.Postgres, "Host=127.0.0.1;Database=handoff_design");
        return new HandoffDb(builder.Options);
    }
}
