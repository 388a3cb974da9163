using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MessageQueue.Gateway.Storage.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LeaseExpiresAt",
                table: "Deliveries",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "Deliveries",
                type: "TEXT",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LeaseExpiresAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "Deliveries");
        }
    }
}
