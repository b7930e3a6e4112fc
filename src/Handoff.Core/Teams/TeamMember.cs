using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Teams;

/// <summary>
/// A user's seat in a team that receives leads: how big a share (weight), how much open work at most (capacity),
/// and which territories and segments they cover. <see cref="Pass"/> is the member's place in the rotation
/// (stride scheduling): the member with the lowest pass is next, and each lead moves them on by 1 / weight.
/// </summary>
public sealed class TeamMember
{
    private TeamMember()
    {
    }

    public Guid TeamId { get; private set; }
    public Guid UserId { get; private set; }

    /// <summary>Share of the team's leads relative to the others (1-100); equal weights mean plain round robin.</summary>
    public int Weight { get; private set; } = 1;

    /// <summary>Most open leads this member may own through this team; null: no cap here (the user's profile may cap).</summary>
    public int? Capacity { get; private set; }

    /// <summary>Countries (ISO codes or names), states or regions (AMER, EMEA, APAC) this member covers; empty: all.</summary>
    public List<string> Territories { get; private set; } = [];

    /// <summary>Segments (SMB, MidMarket, Enterprise) or size bands this member covers; empty: all.</summary>
    public List<string> Segments { get; private set; } = [];

    /// <summary>Virtual time of the rotation: lowest goes next.</summary>
    public double Pass { get; private set; }

    /// <summary>How many leads the rotation gave this member.</summary>
    public int Assigned { get; private set; }

    public DateTime JoinedAt { get; private set; }

    /// <summary>A new member joins at the front of the rotation (the lowest pass of the others), never owed a backlog.</summary>
    public static TeamMember Join(Guid teamId, Guid userId, int weight, int? capacity, IEnumerable<string>? territories, IEnumerable<string>? segments, double startPass, DateTime at) => new()
    {
        TeamId = teamId,
        UserId = userId,
        Weight = weight,
        Capacity = capacity,
        Territories = territories?.ToList() ?? [],
        Segments = segments?.ToList() ?? [],
        Pass = startPass,
        JoinedAt = at,
    };

    public void Change(int weight, int? capacity, IEnumerable<string>? territories, IEnumerable<string>? segments)
    {
        Weight = weight;
        Capacity = capacity;
        Territories = territories?.ToList() ?? Territories;
        Segments = segments?.ToList() ?? Segments;
    }

    /// <summary>The rotation gave this member a lead; <paramref name="stride"/> is 1 for plain turns, 1 / weight for weighted ones.</summary>
    public void Picked(double stride)
    {
        Pass += stride;
        Assigned++;
    }
}

internal sealed class TeamMemberConfiguration : IEntityTypeConfiguration<TeamMember>
{
    public void Configure(EntityTypeBuilder<TeamMember> b)
    {
        b.HasKey(m => new { m.TeamId, m.UserId });
        b.HasOne<Team>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Property(m => m.Territories).HasMaxLength(2000).HasConversion(new StringListConverter(), new StringListComparer());
        b.Property(m => m.Segments).HasMaxLength(500).HasConversion(new StringListConverter(), new StringListComparer());
        b.HasIndex(m => m.UserId);
    }
}
