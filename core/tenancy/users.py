"""Staff members of a tenant (the rows behind `TenantContext.user_id`)."""

from core.tenancy.repository import TenantRepository
from core.tenancy.tables import User


class UserRepository(TenantRepository[User]):
    table = User

    async def by_email(self, email: str) -> dict | None:
        return await self.select().where(User.email == email).first()
