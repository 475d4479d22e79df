from kssp.bulletins import permissions as perms
from kssp.bulletins.models import Bulletin
from kssp.core.policy import ProtectedRecordPolicy, register_policy


class BulletinPolicy(ProtectedRecordPolicy):
    model = Bulletin
    view_perm = perms.VIEW
    change_perm = perms.CHANGE
    share_perm = perms.SHARE


bulletin_policy = register_policy(BulletinPolicy())
