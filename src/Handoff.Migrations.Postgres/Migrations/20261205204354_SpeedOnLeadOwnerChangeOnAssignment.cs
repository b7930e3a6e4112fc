using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Handoff.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class SpeedOnLeadOwnerChangeOnAssignment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "first_assigned_at",
                table: "leads",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "first_assigned_user_id",
                table: "leads",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "first_touch_at",
                table: "leads",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "first_touch_user_id",
                table: "leads",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "from_id",
                table: "assignments",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "from_kind",
                table: "assignments",
                type: "character varying(10)",
                maxLength: 10,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "note",
                table: "assignments",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "sequence",
                table: "assignments",
                type: "integer",
                nullable: true);

            // Speed to lead moves onto the lead; an owner change recorded twice (history entry and assignment) stays as
            // its assignment, which the history now reads: the entry of the same lead, time and new owner (two hand
            // reassignments can share a time, never a new owner); an entry no assignment matches stays where it is.
            migrationBuilder.Sql("""
                UPDATE leads SET first_assigned_at = s.assigned_at, first_assigned_user_id = s.assigned_user_id, first_touch_at = s.first_touch_at, first_touch_user_id = s.first_touch_user_id
                FROM lead_speeds AS s WHERE s.lead_id = leads.id AND (s.assigned_at IS NOT NULL OR s.first_touch_at IS NOT NULL);
                """);
            migrationBuilder.Sql("""
                UPDATE assignments SET sequence = e.sequence, note = e.note,
                    from_kind = CASE WHEN e.changes::jsonb #>> '{owner,from}' LIKE 'user:%' THEN 'User' ELSE 'Queue' END,
                    from_id = split_part(e.changes::jsonb #>> '{owner,from}', ':', 2)::uuid
                FROM audit_entries AS e
                WHERE e.lead_id = assignments.lead_id AND e.at = assignments.at AND e.action = 'owner-changed'
                    AND e.changes::jsonb #>> '{owner,to}' = lower(assignments.owner_kind) || ':' || assignments.owner_id::text;
                """);
            migrationBuilder.Sql("""
                DELETE FROM audit_entries WHERE action = 'owner-changed'
                    AND EXISTS (SELECT 1 FROM assignments AS s WHERE s.lead_id = audit_entries.lead_id AND s.sequence = audit_entries.sequence);
                """);

            migrationBuilder.DropTable(
                name: "lead_speeds");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The schema only: the speed moments and the owner changes' history entries are not copied back.
            migrationBuilder.DropColumn(
                name: "first_assigned_at",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "first_assigned_user_id",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "first_touch_at",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "first_touch_user_id",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "from_id",
                table: "assignments");

            migrationBuilder.DropColumn(
                name: "from_kind",
                table: "assignments");

            migrationBuilder.DropColumn(
                name: "note",
                table: "assignments");

            migrationBuilder.DropColumn(
                name: "sequence",
                table: "assignments");

            migrationBuilder.CreateTable(
                name: "lead_speeds",
                columns: table => new
                {
                    lead_id = table.Column<Guid>(type: "uuid", nullable: false),
                    assigned_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    assigned_user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    captured_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    first_touch_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    first_touch_user_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_lead_speeds", x => x.lead_id);
                    table.ForeignKey(
                        name: "fk_lead_speeds_leads_lead_id",
                        column: x => x.lead_id,
                        principalTable: "lead_scores",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_lead_speeds_captured_at",
                table: "lead_speeds",
                column: "captured_at");
        }
    }
}
